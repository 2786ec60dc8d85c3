// @ts-check
/* view3d.js — the 3D view: one surface per label, meshed by the core in the
 * worker (world millimetres, outward normals), drawn with three.js; orbit
 * (left drag), pan (right or middle drag), zoom (wheel), reset; the three
 * slice planes at the cursor as outlines; a click on a surface moves the
 * cursor (and so the slice views) to that point.
 *
 * The view renders on demand (camera moves, new meshes, style changes), never
 * in a loop: an idle 3D panel costs nothing.
 *
 * three.js (2 MB of modules) and the WebGL context are not on the path to the
 * first slice: the panel exists at once, and start() loads three.js and makes
 * the renderer once the first volume is on its way. Until then the view keeps
 * what it is given (surfaces, camera, cursor) and shows it when it starts.
 */

/** three.js, once start() has loaded it. @type {typeof import('three')} */
let THREE;
/** @type {typeof import('three/addons/controls/OrbitControls.js').OrbitControls} */
let OrbitControls;

/** The next task: lets the page draw and handle input between the steps of start(). */
const nextTask = () => new Promise((r) => setTimeout(r, 0));

/**
 * @typedef {object} Mesh3D  one label's surface, as the worker sends it
 * @property {number} label
 * @property {Float32Array} positions xyz per vertex, world mm
 * @property {Float32Array} normals xyz per vertex
 * @property {Uint32Array} indices three per triangle
 */

/**
 * @typedef {object} View3DHost
 * @property {import('../state/session.js').Session} session
 * @property {(view: View3D) => void} toggleMaximise
 * @property {(view: View3D) => void} focus
 */

/** Triangles handed to the GPU per frame (~15 ms of upload in software WebGL). */
const UPLOAD_TRIANGLES = 250000;

export class View3D {
  /** @param {HTMLElement} panel @param {View3DHost} host */
  constructor(panel, host) {
    this.panel = panel;
    this.host = host;
    this.session = host.session;
    this.name = '3d';
    panel.classList.add('view', 'view3d');
    panel.dataset.view = '3d';
    panel.tabIndex = -1;
    this.title = document.createElement('span');
    this.title.className = 'view-title';
    this.title.textContent = '3D';
    this.note = document.createElement('span');
    this.note.className = 'view-note';
    this.resetButton = document.createElement('button');
    this.resetButton.className = 'small view-reset';
    this.resetButton.textContent = 'Reset';
    this.resetButton.title = 'Reset the 3D camera (R with the mouse over this view)';
    this.planesBox = document.createElement('label');
    this.planesBox.className = 'view-planes';
    this.planesInput = document.createElement('input');
    this.planesInput.type = 'checkbox';
    this.planesInput.checked = true;
    this.planesBox.append(this.planesInput, ' Slices');
    /** @type {import('three').WebGLRenderer | null} */
    this.renderer = null;
    /** no GPU (SwiftShader): known once started */
    this.software = false;
    /** @type {any} three.js objects, set by start() */
    this.scene = this.camera = this.light = this.surfaces = this.planes = this.controls = null;
    panel.append(this.title, this.note, this.resetButton, this.planesBox);
    /** @type {Map<number, import('three').Mesh>} */
    this.meshes = new Map();
    /** @type {Map<number, Mesh3D>} surfaces waiting for their upload (or for start()) */
    this.pending = new Map();
    /** @type {{min: number[], max: number[]} | null} the volume's extent in world mm */
    this.bounds = null;
    /** @type {{position: number[], target: number[]} | null} a camera given before start() */
    this.savedCamera = null;
    this.renderQueued = false;
    /** triangles on screen, for the status line and tests */
    this.triangles = 0;
    /** @type {Promise<void> | null} */
    this.starting = null;
    /** @type {Promise<void>} settles once start() has compiled and drawn the shaders once */
    /** @type {() => void} */
    this.warmed = () => {};
    this.warm = new Promise((r) => (this.warmed = r));
    /** three.js is loaded and the scene exists (with or without WebGL) */
    this.started = false;
    this.resetButton.addEventListener('click', () => this.resetCamera());
    this.planesInput.addEventListener('change', () => {
      if (this.planes) this.planes.visible = this.planesInput.checked;
      this.requestRender();
    });
    panel.addEventListener('dblclick', (e) => {
      if (e.target === this.resetButton || this.planesBox.contains(/** @type {Node} */ (e.target))) return;
      host.toggleMaximise(this);
    });
    panel.addEventListener('pointerenter', () => host.focus(this));
    new ResizeObserver(() => this.resize()).observe(panel);
  }

  /**
   * Load three.js and make the renderer, each step its own task (the page
   * stays responsive); then show what the view was given meanwhile. The app
   * calls it once the first slice is on screen (or no volume opened); later
   * calls return the same promise. `warm` settles after the shaders' warm-up.
   * @returns {Promise<void>}
   */
  start() {
    if (!this.starting)
      this.starting = this.init().catch((e) => {
        this.note.textContent = `The 3D view could not start: ${/** @type {Error} */ (e).message}`;
        this.warmed();
      });
    return this.starting;
  }

  /** @private */
  async init() {
    const [three, controls] = await Promise.all([import('three'), import('three/addons/controls/OrbitControls.js')]);
    THREE = three;
    OrbitControls = controls.OrbitControls;
    await nextTask();
    // a software renderer (no GPU: SwiftShader) draws millions of triangles slowly:
    // there, no multisampling and one pixel per CSS pixel
    this.software = !document.createElement('canvas').getContext('webgl2', { failIfMajorPerformanceCaveat: true });
    await nextTask();
    try {
      this.renderer = new THREE.WebGLRenderer({ antialias: !this.software, preserveDrawingBuffer: true });
    } catch (e) {
      this.note.textContent = 'The 3D view needs WebGL, which this browser does not offer.';
    }
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(0x101418);
    this.camera = new THREE.PerspectiveCamera(30, 1, 1, 10000);
    this.camera.up.set(0, 0, 1); // superior is up
    this.scene.add(new THREE.AmbientLight(0xffffff, 0.45));
    this.light = new THREE.DirectionalLight(0xffffff, 1.6);
    this.camera.add(this.light); // the light follows the camera: the visible side is always lit
    this.light.position.set(0.3, 0.5, 1);
    this.scene.add(this.camera);
    this.surfaces = new THREE.Group();
    this.planes = new THREE.Group();
    this.planes.visible = this.planesInput.checked;
    this.scene.add(this.surfaces, this.planes);
    if (this.renderer) {
      this.renderer.domElement.className = 'view3d-canvas';
      this.panel.prepend(this.renderer.domElement);
      this.controls = new OrbitControls(this.camera, this.renderer.domElement);
      this.controls.enableDamping = false;
      this.controls.addEventListener('change', () => this.requestRender());
      this.bindClick(this.renderer.domElement);
    }
    this.started = true;
    this.resize();
    if (this.savedCamera) this.setCameraState(this.savedCamera);
    else this.resetCamera();
    this.savedCamera = null;
    this.updatePlanes();
    this.requestRender(); // and the surfaces given meanwhile
    this.warmUp();
  }

  /**
   * Compile the surface and outline shaders in the background (the parallel
   * compile extension where present) and draw them once while the page is
   * idle — the GPU builds its pipeline at the first draw — so that the first
   * surface does not stall the page while the user paints.
   */
  warmUp() {
    if (!this.renderer) return this.warmed();
    const renderer = this.renderer;
    // a triangle filling an orthographic view, lit and outlined like the real scene
    const cam = new THREE.OrthographicCamera(-1, 1, 1, -1, 0.1, 10);
    const scene = new THREE.Scene();
    scene.add(cam, new THREE.AmbientLight(0xffffff, 0.45));
    const light = new THREE.DirectionalLight(0xffffff, 1.6);
    cam.add(light);
    const pos = new Float32Array([-3, -3, -1, 3, -3, -1, 0, 3, -1]);
    const nrm = new Float32Array([0, 0, 1, 0, 0, 1, 0, 0, 1]);
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(pos, 3));
    g.setAttribute('normal', new THREE.BufferAttribute(nrm, 3));
    g.setIndex(new THREE.BufferAttribute(new Uint32Array([0, 1, 2]), 1));
    const mesh = new THREE.Mesh(g, new THREE.MeshPhongMaterial({ shininess: 30 }));
    scene.add(mesh, new THREE.LineLoop(g, new THREE.LineBasicMaterial()));
    renderer
      .compileAsync(scene, cam)
      .then(() => {
        const draw = () => {
          // the surface path once (geometry, material, colour), then frames with it
          this.applyMesh({ label: -1, positions: pos.slice(), normals: nrm.slice(), indices: new Uint32Array([0, 1, 2]) });
          this.removeMesh(-1);
          renderer.render(scene, cam);
          g.dispose();
          /** @type {import('three').Material} */ (mesh.material).dispose();
          this.requestRender(); // the real scene replaces the warm-up frame
          this.warmed();
        };
        if ('requestIdleCallback' in window) requestIdleCallback(draw, { timeout: 2000 });
        else setTimeout(draw, 0);
      })
      .catch(() => this.warmed());
  }

  /** A new volume: no surfaces, the camera framed on its extent. */
  reset() {
    this.pending.clear();
    for (const label of [...this.meshes.keys()]) this.removeMesh(label);
    const v = this.session.volume;
    this.bounds = null;
    this.savedCamera = null;
    if (v) {
      const d = v.info.dims;
      const min = [Infinity, Infinity, Infinity], max = [-Infinity, -Infinity, -Infinity];
      for (const c of [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]]) {
        const w = this.session.worldOf(c.map((x, a) => (x ? d[a] - 0.5 : -0.5)));
        for (let a = 0; a < 3; a++) {
          min[a] = Math.min(min[a], w[a]);
          max[a] = Math.max(max[a], w[a]);
        }
      }
      this.bounds = { min, max };
    }
    this.resetCamera();
    this.updatePlanes();
  }

  /** Look at the volume from the front (anterior), a little from the left and above, superior up. */
  resetCamera() {
    if (!this.bounds || !this.controls) return this.requestRender();
    const box = new THREE.Box3(new THREE.Vector3(...this.bounds.min), new THREE.Vector3(...this.bounds.max));
    const c = box.getCenter(new THREE.Vector3());
    const r = box.getSize(new THREE.Vector3()).length() / 2;
    const dist = r / Math.sin((this.camera.fov * Math.PI) / 360);
    const dir = new THREE.Vector3(-0.45, 1, 0.4).normalize();
    this.camera.position.copy(c).addScaledVector(dir, dist);
    this.camera.near = dist / 100;
    this.camera.far = dist * 10;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(c);
    this.controls.update();
    this.requestRender();
  }

  /** The camera, to keep across layouts and sessions. */
  get cameraState() {
    if (!this.started) return this.savedCamera;
    return { position: this.camera.position.toArray(), target: this.controls ? this.controls.target.toArray() : [0, 0, 0] };
  }

  /** Put the camera where cameraState said (before start(): once started). @param {{position: number[], target: number[]}} c */
  setCameraState(c) {
    if (!Array.isArray(c.position) || !Array.isArray(c.target)) return;
    if (!this.started) {
      this.savedCamera = { position: [...c.position], target: [...c.target] };
      return;
    }
    if (!this.controls) return;
    this.camera.position.fromArray(c.position);
    this.controls.target.fromArray(c.target);
    this.controls.update();
    this.requestRender();
  }

  /**
   * Replace one label's surface; an empty mesh removes it. Surfaces reach the
   * GPU in the next frames, at most UPLOAD_TRIANGLES a frame (a whole brain's
   * labels at once would block the page for a few hundred ms).
   * @param {Mesh3D} m
   */
  setMesh(m) {
    this.pending.set(m.label, m);
    this.requestRender();
  }

  /** @param {Mesh3D} m */
  applyMesh(m) {
    if (!m.indices.length) return this.removeMesh(m.label);
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.BufferAttribute(m.positions, 3));
    geometry.setAttribute('normal', new THREE.BufferAttribute(m.normals, 3));
    geometry.setIndex(new THREE.BufferAttribute(m.indices, 1));
    geometry.computeBoundingSphere();
    let mesh = this.meshes.get(m.label);
    if (mesh) {
      mesh.geometry.dispose();
      mesh.geometry = geometry;
    } else {
      const material = new THREE.MeshPhongMaterial({ color: 0xffffff, shininess: 30, side: THREE.FrontSide });
      mesh = new THREE.Mesh(geometry, material);
      mesh.userData.label = m.label;
      this.meshes.set(m.label, mesh);
      this.surfaces.add(mesh);
    }
    this.styleMesh(mesh);
    this.countTriangles();
    this.requestRender();
  }

  /** The labels with a surface, on screen or on its way. @returns {number[]} */
  labelsShown() {
    const out = new Set(this.meshes.keys());
    for (const [label, m] of this.pending) {
      if (m.indices.length) out.add(label);
      else out.delete(label);
    }
    return [...out];
  }

  /** Triangles of a label's surface (on screen or on its way). @param {number} label */
  triangleCount(label) {
    const p = this.pending.get(label);
    if (p) return p.indices.length / 3;
    return (this.meshes.get(label)?.geometry.index?.count || 0) / 3;
  }

  /** @param {number} label */
  removeMesh(label) {
    this.pending.delete(label);
    const mesh = this.meshes.get(label);
    if (!mesh) return;
    this.surfaces.remove(mesh);
    mesh.geometry.dispose();
    /** @type {import('three').Material} */ (mesh.material).dispose();
    this.meshes.delete(label);
    this.countTriangles();
    this.requestRender();
  }

  countTriangles() {
    let n = 0;
    for (const m of this.meshes.values()) n += (m.geometry.index?.count || 0) / 3;
    this.triangles = n;
    this.note.textContent = n ? `${n.toLocaleString()} triangles` : 'No labels yet: paint or stroke in a slice view';
  }

  /** Colour, visibility and opacity from the label table and the active layer. */
  styleAll() {
    for (const m of this.meshes.values()) this.styleMesh(m);
    this.requestRender();
  }

  /** @param {import('three').Mesh} mesh */
  styleMesh(mesh) {
    const label = this.session.labels.find((l) => l.value === mesh.userData.label);
    const layer = this.session.layer;
    const material = /** @type {import('three').MeshPhongMaterial} */ (mesh.material);
    const c = label ? label.color : [200, 200, 200];
    material.color.setRGB(c[0] / 255, c[1] / 255, c[2] / 255, THREE.SRGBColorSpace);
    const opacity = (label ? label.opacity : 1) * (layer ? layer.opacity : 1);
    material.transparent = opacity < 1;
    material.opacity = opacity;
    material.depthWrite = opacity >= 1;
    mesh.visible = (!label || label.visible) && (!layer || layer.visible) && opacity > 0;
  }

  /** The slice planes at the cursor, as outlines of the volume's cross-sections. */
  updatePlanes() {
    if (!this.started) return;
    for (const c of [...this.planes.children]) {
      this.planes.remove(c);
      /** @type {import('three').Line} */ (c).geometry.dispose();
    }
    const v = this.session.volume;
    if (v) {
      const d = v.info.dims;
      const cur = this.session.cursor;
      const colors = [0xe5c07b, 0x61afef, 0x98c379]; // sagittal (i), coronal (j), axial (k)
      for (let a = 0; a < 3; a++) {
        const [b, c] = [0, 1, 2].filter((x) => x !== a);
        const corners = [[-0.5, -0.5], [d[b] - 0.5, -0.5], [d[b] - 0.5, d[c] - 0.5], [-0.5, d[c] - 0.5]].map(([u, w]) => {
          const p = [0, 0, 0];
          p[a] = cur[a];
          p[b] = u;
          p[c] = w;
          return new THREE.Vector3(...this.session.worldOf(p));
        });
        const line = new THREE.LineLoop(new THREE.BufferGeometry().setFromPoints(corners), new THREE.LineBasicMaterial({ color: colors[a] }));
        this.planes.add(line);
      }
    }
    this.requestRender();
  }

  /** @param {HTMLCanvasElement} canvas */
  bindClick(canvas) {
    /** @type {{x: number, y: number} | null} */
    let down = null;
    canvas.addEventListener('pointerdown', (e) => {
      down = e.button === 0 ? { x: e.clientX, y: e.clientY } : null;
    });
    canvas.addEventListener('pointerup', (e) => {
      if (!down || Math.hypot(e.clientX - down.x, e.clientY - down.y) > 3) return; // a drag orbits
      down = null;
      const hit = this.pick(e.clientX, e.clientY);
      if (hit) this.session.setCursor(hit.voxel);
    });
  }

  /**
   * The surface point under a screen position, and its voxel.
   * @param {number} clientX @param {number} clientY
   * @returns {{world: number[], voxel: number[], label: number} | null}
   */
  pick(clientX, clientY) {
    if (!this.renderer || !this.session.volume) return null;
    const r = this.renderer.domElement.getBoundingClientRect();
    const ndc = new THREE.Vector2(((clientX - r.left) / r.width) * 2 - 1, -((clientY - r.top) / r.height) * 2 + 1);
    const ray = new THREE.Raycaster();
    ray.setFromCamera(ndc, this.camera);
    const hits = ray.intersectObjects([...this.meshes.values()].filter((m) => m.visible), false);
    if (!hits.length) return null;
    const p = hits[0].point;
    // step half a voxel inside the surface, so the cursor lands on a labelled voxel
    const n = hits[0].face ? hits[0].face.normal.clone().transformDirection(hits[0].object.matrixWorld) : new THREE.Vector3();
    const sp = this.session.volume.info.spacing;
    const inside = p.clone().addScaledVector(n, -0.5 * Math.min(sp[0], sp[1], sp[2]));
    const voxel = this.session.voxelOf([inside.x, inside.y, inside.z]);
    return { world: p.toArray(), voxel, label: hits[0].object.userData.label };
  }

  resize() {
    if (!this.renderer) return;
    const w = Math.max(1, this.panel.clientWidth), h = Math.max(1, this.panel.clientHeight);
    this.renderer.setPixelRatio(this.software ? 1 : window.devicePixelRatio || 1);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }

  requestRender() {
    if (this.renderQueued || !this.started) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      let budget = UPLOAD_TRIANGLES;
      for (const [label, m] of this.pending) {
        if (budget <= 0) break;
        this.pending.delete(label);
        this.applyMesh(m);
        budget -= m.indices.length / 3;
      }
      if (this.renderer) this.renderer.render(this.scene, this.camera);
      if (this.pending.size) this.requestRender();
    });
  }
}
