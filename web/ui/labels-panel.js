// @ts-check
/* labels-panel.js — the label table (value, name, colour, visibility,
 * opacity; add, rename, recolour, delete, pick the active one) and the list
 * of label layers (active, shown/hidden, export, delete). */
import { fromHex, hex, makeLabel } from '../state/labels.js';

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
      const vis = document.createElement('input');
      vis.type = 'checkbox';
      vis.checked = l.visible;
      vis.title = 'Show or hide this label';
      vis.setAttribute('aria-label', `Show ${l.name}`);
      vis.addEventListener('change', () => {
        l.visible = vis.checked;
        session.labelsChanged();
      });
      const color = document.createElement('input');
      color.type = 'color';
      color.value = hex(l.color);
      color.title = 'Colour';
      color.setAttribute('aria-label', `Colour of ${l.name}`);
      color.addEventListener('input', () => {
        l.color = fromHex(color.value);
        session.labelsChanged();
      });
      const value = document.createElement('span');
      value.className = 'value';
      value.textContent = String(l.value);
      const name = document.createElement('input');
      name.type = 'text';
      name.className = 'name';
      name.value = l.name;
      name.setAttribute('aria-label', `Name of label ${l.value}`);
      name.addEventListener('change', () => {
        l.name = name.value.trim() || `Label ${l.value}`;
        session.labelsChanged();
      });
      const opacity = document.createElement('input');
      opacity.type = 'range';
      opacity.min = '0';
      opacity.max = '1';
      opacity.step = '0.05';
      opacity.value = String(l.opacity);
      opacity.className = 'opacity';
      opacity.title = 'Opacity';
      opacity.setAttribute('aria-label', `Opacity of ${l.name}`);
      opacity.addEventListener('input', () => {
        l.opacity = Number(opacity.value);
        session.labelsChanged();
      });
      const del = document.createElement('button');
      del.textContent = '×';
      del.className = 'icon';
      del.title = 'Remove this label from the table (painted voxels keep their value)';
      del.setAttribute('aria-label', `Delete ${l.name}`);
      del.addEventListener('click', () => {
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
      const radio = document.createElement('input');
      radio.type = 'radio';
      radio.name = 'active-layer';
      radio.checked = i === session.activeLayer;
      radio.title = 'Edit this layer';
      radio.setAttribute('aria-label', `Edit ${layer.name}`);
      radio.addEventListener('change', () => {
        session.activeLayer = i;
        session.emit('layers');
      });
      const vis = document.createElement('input');
      vis.type = 'checkbox';
      vis.checked = layer.visible;
      vis.title = 'Show or hide this layer';
      vis.setAttribute('aria-label', `Show ${layer.name}`);
      vis.addEventListener('change', () => {
        layer.visible = vis.checked;
        session.emit('layers');
      });
      const name = document.createElement('input');
      name.type = 'text';
      name.className = 'name';
      name.value = layer.name;
      name.setAttribute('aria-label', `Name of layer ${i + 1}`);
      name.addEventListener('change', () => {
        layer.name = name.value.trim() || `Layer ${i + 1}`;
      });
      const exp = document.createElement('button');
      exp.textContent = '⤓';
      exp.className = 'icon';
      exp.title = 'Download this layer as NIfTI (.nii.gz)';
      exp.setAttribute('aria-label', `Export ${layer.name}`);
      exp.addEventListener('click', () => exportLayer(i));
      const del = document.createElement('button');
      del.textContent = '×';
      del.className = 'icon';
      del.title = 'Delete this layer';
      del.disabled = session.layers.length === 1;
      del.setAttribute('aria-label', `Delete ${layer.name}`);
      del.addEventListener('click', () => session.deleteLayer(i).catch((e) => error(e.message)));
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
