// @ts-check
/* labels-panel.js — the label table (value, name, colour, visibility,
 * opacity; add, rename, recolour, delete, pick the active one) and the list
 * of label layers (active, shown/hidden, export, delete). */
import { fromHex, hex, makeLabel } from '../state/labels.js';

/**
 * An <input> with its accessible name, a tooltip and a handler.
 * @param {string} type @param {string} label @param {string} title
 * @param {(el: HTMLInputElement) => void} onChange fired on 'input' for ranges and colours, else 'change'
 */
function field(type, label, title, onChange) {
  const el = document.createElement('input');
  el.type = type;
  el.title = title;
  el.setAttribute('aria-label', label);
  el.addEventListener(type === 'range' || type === 'color' ? 'input' : 'change', () => onChange(el));
  return el;
}

/** A small icon button. @param {string} text @param {string} label @param {string} title @param {() => void} onClick */
function iconButton(text, label, title, onClick) {
  const b = document.createElement('button');
  b.textContent = text;
  b.className = 'icon';
  b.title = title;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

/**
 * @param {object} p
 * @param {HTMLElement} p.labelList
 * @param {HTMLElement} p.layerList
 * @param {import('../state/session.js').Session} p.session
 * @param {(index: number) => void} p.exportLayer
 * @param {(message: string) => void} p.error
 */
export function bindLabelsPanel({ labelList, layerList, session, exportLayer, error }) {
  const renderLabels = () => {
    labelList.replaceChildren();
    session.labels.forEach((l, i) => {
      const row = document.createElement('li');
      row.className = 'label-row' + (l.value === session.activeLabel ? ' active' : '');
      row.dataset.value = String(l.value);
      const key = document.createElement('span');
      key.className = 'key';
      key.textContent = i < 9 ? String(i + 1) : '';
      key.title = i < 9 ? `Key ${i + 1} makes this label active` : '';
      const vis = field('checkbox', `Show ${l.name}`, 'Show or hide this label', (el) => {
        l.visible = el.checked;
        session.labelsChanged();
      });
      vis.checked = l.visible;
      const color = field('color', `Colour of ${l.name}`, 'Colour', (el) => {
        l.color = fromHex(el.value);
        session.labelsChanged();
      });
      color.value = hex(l.color);
      const value = document.createElement('span');
      value.className = 'value';
      value.textContent = String(l.value);
      const name = field('text', `Name of label ${l.value}`, 'Name', (el) => {
        l.name = el.value.trim() || `Label ${l.value}`;
        session.labelsChanged();
      });
      name.className = 'name';
      name.value = l.name;
      const opacity = field('range', `Opacity of ${l.name}`, 'Opacity', (el) => {
        l.opacity = Number(el.value);
        session.labelsChanged();
      });
      Object.assign(opacity, { min: '0', max: '1', step: '0.05', className: 'opacity' });
      opacity.value = String(l.opacity);
      const del = iconButton('×', `Delete ${l.name}`, 'Remove this label from the table (painted voxels keep their value)', () => {
        session.labels.splice(i, 1);
        if (session.activeLabel === l.value) session.activeLabel = session.labels[0]?.value ?? 1;
        session.labelsChanged();
      });
      row.addEventListener('click', (e) => {
        if (e.target === row || e.target === value || e.target === key) {
          session.activeLabel = l.value;
          session.labelsChanged();
        }
      });
      row.append(key, vis, color, value, name, opacity, del);
      labelList.appendChild(row);
    });
  };

  const renderLayers = () => {
    layerList.replaceChildren();
    session.layers.forEach((layer, i) => {
      const row = document.createElement('li');
      row.className = 'layer-row' + (i === session.activeLayer ? ' active' : '');
      const radio = field('radio', `Edit ${layer.name}`, 'Edit this layer', () => {
        session.activeLayer = i;
        session.emit('layers');
      });
      radio.name = 'active-layer';
      radio.checked = i === session.activeLayer;
      const vis = field('checkbox', `Show ${layer.name}`, 'Show or hide this layer', (el) => {
        layer.visible = el.checked;
        session.emit('layers');
      });
      vis.checked = layer.visible;
      const name = field('text', `Name of layer ${i + 1}`, 'Name', (el) => {
        layer.name = el.value.trim() || `Layer ${i + 1}`;
      });
      name.className = 'name';
      name.value = layer.name;
      const exp = iconButton('⤓', `Export ${layer.name}`, 'Download this layer as NIfTI (.nii.gz)', () => exportLayer(i));
      const del = iconButton('×', `Delete ${layer.name}`, 'Delete this layer', () => session.deleteLayer(i).catch((e) => error(e.message)));
      del.disabled = session.layers.length === 1;
      row.append(radio, vis, name, exp, del);
      layerList.appendChild(row);
    });
  };

  session.on('labels', renderLabels);
  session.on('layers', renderLayers);
  renderLabels();
  renderLayers();

  return {
    /** Add the next free label value and make it active. */
    addLabel() {
      let v = 1;
      while (session.labels.some((l) => l.value === v) && v < 255) v++;
      if (session.labels.some((l) => l.value === v)) {
        error('all 255 label values are in use');
        return;
      }
      session.labels.push(makeLabel(v));
      session.labels.sort((a, b) => a.value - b.value);
      session.activeLabel = v;
      session.labelsChanged();
    },
  };
}
