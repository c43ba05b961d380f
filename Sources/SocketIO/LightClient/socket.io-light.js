/* swift-socketio light client: Socket.IO v5 over Engine.IO v4, for simple pages and demos. Written for
   swift-socketio, not socket.io-client (real apps keep the official client). JSON parser with binary
   attachments; WebSocket first, HTTP long-polling when it cannot open; no upgrade, no webtransport. */
(function (root) {
  "use strict";
  const warn = (what, e) => console.error("socket.io-light: " + what, e === undefined ? "" : e);
  const safe = (f, self, args, what) => { try { f.apply(self, args); } catch (e) { warn(what + " threw", e); } };
  const isBin = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v);
  const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const toB64 = (v) => {
    const b = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    let s = "";
    for (let i = 0; i < b.length; i += 32768) s += String.fromCharCode.apply(null, b.subarray(i, i + 32768));
    return btoa(s);
  };
  const RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];
  let seq = 0;

  class Emitter {
    on(ev, f) { ((this._h ||= {})[ev] ||= []).push(f); return this; }
    once(ev, f) { const w = (...a) => { this.off(ev, w); f.apply(this, a); }; w.f = f; return this.on(ev, w); }
    off(ev, f) {
      if (ev === undefined) this._h = {};
      else if (this._h) this._h[ev] = f ? (this._h[ev] || []).filter((x) => x !== f && x.f !== f) : [];
      return this;
    }
    removeAllListeners(ev) { return this.off(ev); }
    listeners(ev) { return ((this._h || {})[ev] || []).slice(); }
    _fire(ev, ...a) { for (const f of this.listeners(ev)) safe(f, this, a, "the '" + ev + "' listener"); }
  }

  // Socket.IO packet codec (v5): <type>[<attachments>-][<nsp>,][<ack id>][JSON]. Throws on anything else.
  const split = (v, bins) => isBin(v) ? { _placeholder: true, num: bins.push(v) - 1 }
    : Array.isArray(v) ? v.map((x) => split(x, bins))
    : isObj(v) && Object.getPrototypeOf(v) === Object.prototype && typeof v.toJSON !== "function"
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, split(x, bins)])) : v;
  function encode(pk) {
    const bins = [], data = pk.data === undefined ? undefined : split(pk.data, bins);
    return [(bins.length ? pk.type + 3 + "" + bins.length + "-" : pk.type) + (pk.nsp === "/" ? "" : pk.nsp + ",")
      + (pk.id === undefined ? "" : pk.id) + (data === undefined ? "" : JSON.stringify(data)), ...bins];
  }
  function decode(s) {
    const m = /^([0-6])(?:(\d{1,6})-)?(?:(\/[^,]*)(?:,|$))?(\d{0,15})([^]*)$/.exec(s);
    if (!m) throw new Error("malformed packet");
    const type = +m[1], data = m[5] ? JSON.parse(m[5]) : undefined, id = m[4] ? +m[4] : undefined;
    const ok = [isObj(data) && typeof data.sid === "string", data === undefined,
      Array.isArray(data) && typeof data[0] === "string", Array.isArray(data) && id !== undefined,
      isObj(data) || typeof data === "string"][type > 4 ? type - 3 : type];
    if (!ok || (type > 4) !== (m[2] !== undefined)) throw new Error("invalid packet of type " + type);
    return { type, nsp: m[3] || "/", id, data, n: +(m[2] || 0) };
  }
  function rebuild(v, parts) {
    if (Array.isArray(v)) return v.map((x) => rebuild(x, parts));
    if (!isObj(v)) return v;
    if (v._placeholder === true) {
      if (!(Number.isInteger(v.num) && v.num >= 0 && v.num < parts.length)) throw new Error("bad attachment placeholder");
      return parts[v.num];
    }
    for (const k of Object.keys(v)) if (k !== "__proto__") v[k] = rebuild(v[k], parts);
    return v;
  }

  // One Engine.IO v4 connection. Fires "open", "message" (string or ArrayBuffer), "ping", "close" (reason, error, wasOpen).
  class Engine extends Emitter {
    constructor(base, o) { super(); this.base = base; this.o = o; this.state = "opening"; this.q = []; }
    open() { this._try(0); }
    _url(name) {
      const u = (name === "websocket" ? this.base.replace(/^http/, "ws") : this.base) + this.o.path + "?EIO=4&transport="
        + name + this.o.qs + (this.sid ? "&sid=" + encodeURIComponent(this.sid) : "");
      return name === "polling" ? u + "&t=" + Date.now().toString(36) + (seq++).toString(36) : u;
    }
    _try(i) { // the transports in order, until one gets the open packet
      const name = this.o.transports[i], t = this.transport = { name };
      const next = (e) => { if (this.transport === t && this.state === "opening") { this.err = e; this._try(i + 1); } };
      if (name === "polling") return this._poll(t, next);
      if (name !== "websocket") return this._close("transport error", this.err || new Error("no transport could connect"));
      try { t.ws = new WebSocket(this._url(name)); } catch (e) { return next(e); }
      t.ws.binaryType = "arraybuffer";
      t.ws.onmessage = (ev) => this.transport === t && this._data(ev.data);
      t.ws.onclose = t.ws.onerror = (ev) => {
        if (this.transport !== t) return;
        if (this.state === "opening") next(new Error("websocket error"));
        else this._close(ev.type === "error" ? "transport error" : "transport close");
      };
    }
    _poll(t, fail) { // one long-poll GET at a time, the next as soon as one answers
      t.ac = new AbortController();
      fetch(this._url("polling"), { signal: t.ac.signal, credentials: this.o.withCredentials ? "include" : "same-origin" })
        .then((r) => { if (!r.ok) throw new Error("polling GET: HTTP " + r.status); return r.text(); })
        .then((text) => {
          for (const p of text.split("\x1e")) if (this.transport === t && this.state !== "closed") this._data(p);
          if (this.transport === t && this.state === "open") this._poll(t, fail);
        }, (e) => {
          if (this.transport !== t) return;
          if (this.state === "opening") fail(e); else this._close("transport error", e);
        });
    }
    _flush() { // POSTs what is queued, one request at a time, within the server's maxPayload
      const t = this.transport;
      if (t.ws || t.busy || !this.q.length || !this.sid) return;
      let n = 0, size = 0;
      while (n < this.q.length && (n === 0 || size + this.q[n].length < this.max)) size += this.q[n++].length + 1;
      t.busy = true;
      fetch(this._url("polling"), { method: "POST", body: this.q.splice(0, n).join("\x1e"),
        headers: { "content-type": "text/plain;charset=UTF-8" }, credentials: this.o.withCredentials ? "include" : "same-origin" })
        .then((r) => { if (!r.ok) throw new Error("polling POST: HTTP " + r.status); t.busy = false; this._flush(); })
        .catch((e) => this.transport === t && this.state === "open" && this._close("transport error", e));
    }
    _write(p) {
      const t = this.transport;
      if (t.ws) t.ws.send(p);
      else { this.q.push(typeof p === "string" ? p : "b" + toB64(p)); this._flush(); }
    }
    send(m) { if (this.state === "open") this._write(typeof m === "string" ? "4" + m : m); }
    _data(d) { // hostile input: anything malformed closes the connection with a logged error
      try { this._packet(d); } catch (e) { warn("malformed Engine.IO packet, closing the connection", e); this._close("parse error", e); }
    }
    _packet(d) {
      if (typeof d === "string" && d[0] === "b") d = Uint8Array.from(atob(d.slice(1)), (c) => c.charCodeAt(0)).buffer;
      if (typeof d !== "string") {
        if (this.state !== "open") throw new Error("binary before the handshake");
        return this._fire("message", d);
      }
      const type = d[0], body = d.slice(1);
      if (this.state === "opening") {
        const h = type === "0" ? JSON.parse(body) : null;
        if (!isObj(h) || typeof h.sid !== "string" || !(h.pingInterval > 0) || !(h.pingTimeout > 0)) throw new Error("expected the open packet");
        this.sid = h.sid; this.max = h.maxPayload > 0 ? h.maxPayload : 1e6;
        this.hb = Math.min(h.pingInterval + h.pingTimeout, 2147483647);
        this.state = "open"; this._beat(); this._fire("open"); this._flush();
      } else if (type === "2") { this._beat(); this._write("3"); this._fire("ping"); }
      else if (type === "4") this._fire("message", body);
      else if (type === "1") this._close("transport close");
      else if (type !== "3" && type !== "6") throw new Error("unknown packet type " + JSON.stringify(type));
    }
    _beat() { // the server pings every pingInterval; silence for pingInterval + pingTimeout means it is gone
      clearTimeout(this.ht);
      this.ht = setTimeout(() => this._close("ping timeout"), this.hb);
    }
    close() {
      if (this.state === "open" && !this.transport.ws) { this.q.push("1"); this._flush(); }
      this._close("forced close");
    }
    _close(reason, err) {
      if (this.state === "closed") return;
      const was = this.state === "open", t = this.transport || {};
      this.state = "closed"; clearTimeout(this.ht);
      if (t.ws) { t.ws.onclose = t.ws.onerror = t.ws.onmessage = null; try { t.ws.close(); } catch (e) { /* already closing */ } }
      if (t.ac) t.ac.abort();
      this._fire("close", reason, err, was);
    }
  }

  // The connection shared by the namespaces of one server, with reconnection (exponential backoff, jitter).
  class Manager extends Emitter {
    constructor(base, o) {
      super();
      this.base = base;
      this.opts = o = Object.assign({ reconnection: true, reconnectionAttempts: Infinity, reconnectionDelay: 1000,
        reconnectionDelayMax: 5000, randomizationFactor: 0.5, timeout: 20000, transports: ["websocket", "polling"] },
      o, { path: (o.path || "/socket.io").replace(/\/?$/, "/") });
      const q = new URLSearchParams(o.query || {}).toString();
      o.qs = q ? "&" + q : "";
      this.nsps = {}; this.attempts = 0; this.engine = null;
    }
    socket(nsp, o) { return this.nsps[nsp] ||= new Socket(this, nsp, o || {}); }
    open() {
      this.skip = false;
      if (this.engine || this.timer) return this;
      const e = this.engine = new Engine(this.base, this.opts), ms = this.opts.timeout;
      const timer = ms === false ? 0 : setTimeout(() => e._close("timeout", new Error("timeout")), ms);
      e.on("open", () => {
        clearTimeout(timer); this.bin = null;
        if (this.attempts) this._fire("reconnect", this.attempts);
        this.attempts = 0; this._fire("open");
        for (const s of Object.values(this.nsps)) s._onOpen();
      });
      e.on("message", (d) => {
        try { this._decode(d); } catch (err) { warn("malformed Socket.IO packet, closing the connection", err); e._close("parse error", err); }
      });
      e.on("ping", () => this._fire("ping"));
      e.on("close", (reason, err, was) => {
        clearTimeout(timer); this.engine = null;
        if (was) this._fire("close", reason, err);
        else if (reason !== "forced close") this._fire("error", err ||= new Error(reason));
        for (const s of Object.values(this.nsps)) was ? s._onClose(reason === "forced close" ? "io client disconnect" : reason) : s._onError(err);
        if (reason !== "forced close" && this.opts.reconnection) this._reconnect();
      });
      e.open();
      return this;
    }
    _reconnect() {
      if (this.timer || this.skip) return;
      const o = this.opts;
      if (this.attempts >= o.reconnectionAttempts) { this.attempts = 0; return this._fire("reconnect_failed"); }
      const ms = Math.min(o.reconnectionDelayMax, o.reconnectionDelay * 2 ** this.attempts++);
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.skip) { this._fire("reconnect_attempt", this.attempts); this.open(); }
      }, Math.min(o.reconnectionDelayMax, ms * (1 + o.randomizationFactor * (2 * Math.random() - 1))));
    }
    _destroy() { // closes the connection once no namespace wants it
      if (Object.values(this.nsps).some((s) => s._active)) return;
      this.skip = true; clearTimeout(this.timer); this.timer = null;
      if (this.engine) this.engine.close();
    }
    _send(pk) { if (this.engine) for (const part of encode(pk)) this.engine.send(part); }
    _decode(d) {
      const b = this.bin;
      if (b) { // the attachments of a binary packet follow it as binary messages
        if (typeof d === "string") throw new Error("expected a binary attachment");
        if (b.parts.push(d) < b.pk.n) return;
        this.bin = null; b.pk.data = rebuild(b.pk.data, b.parts);
        return this._dispatch(b.pk);
      }
      if (typeof d !== "string") throw new Error("unexpected binary message");
      const pk = decode(d);
      if (pk.n) this.bin = { pk, parts: [] }; else this._dispatch(pk);
    }
    _dispatch(pk) { const s = this.nsps[pk.nsp]; if (s) s._onPacket(pk); }
  }

  class Socket extends Emitter {
    constructor(io, nsp, o) {
      super();
      Object.assign(this, { io, nsp, auth: o.auth, connected: false, id: undefined, acks: {}, ids: 0, buf: [], flags: {}, _active: false });
    }
    get active() { return this._active; }
    get disconnected() { return !this.connected; }
    connect() {
      if (this.connected) return this;
      const was = this._active;
      this._active = true; this.io.open();
      if (!was && this.io.engine && this.io.engine.state === "open") this._onOpen();
      return this;
    }
    open() { return this.connect(); }
    disconnect() {
      if (this.connected) this._packet({ type: 1 });
      this._active = false; this._onClose("io client disconnect"); this.io._destroy();
      return this;
    }
    close() { return this.disconnect(); }
    timeout(ms) { this.flags.timeout = ms; return this; }
    send(...a) { return this.emit("message", ...a); }
    emit(ev, ...args) {
      if (RESERVED.includes(ev)) throw new Error('"' + ev + '" is a reserved event name');
      const pk = { type: 2, data: [ev, ...args] }, ms = this.flags.timeout;
      this.flags = {};
      if (typeof args[args.length - 1] === "function") {
        const cb = pk.data.pop(), id = pk.id = this.ids++;
        if (ms === undefined) this.acks[id] = cb;
        else {
          const timer = setTimeout(() => {
            delete this.acks[id]; this.buf = this.buf.filter((p) => p !== pk);
            safe(cb, this, [new Error("operation has timed out")], "an ack callback");
          }, ms);
          this.acks[id] = Object.assign((...a) => { clearTimeout(timer); cb.apply(this, a); }, { withErr: true });
        }
      }
      if (this.connected) this._packet(pk); else this.buf.push(pk);
      return this;
    }
    emitWithAck(ev, ...args) {
      const withErr = this.flags.timeout !== undefined;
      return new Promise((ok, fail) => this.emit(ev, ...args, withErr ? (e, v) => e ? fail(e) : ok(v) : ok));
    }
    _packet(pk) { pk.nsp = this.nsp; this.io._send(pk); }
    _onOpen() {
      if (!this._active) return;
      const send = (auth) => this._packet({ type: 0, data: auth });
      if (typeof this.auth === "function") this.auth(send); else send(this.auth);
    }
    _onClose(reason) {
      if (!this.connected) return;
      this.connected = false; this.id = undefined;
      for (const [id, a] of Object.entries(this.acks)) { // as 4.8: acks with a timeout fail now, the others wait
        if (a.withErr) { delete this.acks[id]; safe(a, this, [new Error("socket has been disconnected")], "an ack callback"); }
      }
      this._fire("disconnect", reason);
    }
    _onError(err) { if (this._active) this._fire("connect_error", err); }
    _onPacket(pk) {
      const d = pk.data;
      switch (pk.type) {
        case 0:
          if (!this._active) return this._packet({ type: 1 }); // disconnect() came first
          this.id = d.sid; this.connected = true;
          for (const p of this.buf.splice(0)) this._packet(p);
          return this._fire("connect");
        case 1:
          this._active = false; this._onClose("io server disconnect");
          return this.io._destroy();
        case 2: case 5:
          if (!this.connected) return;
          if (pk.id !== undefined) {
            let done = false;
            d.push((...a) => { if (!done) { done = true; this._packet({ type: 3, id: pk.id, data: a }); } });
          }
          return this._fire(...d);
        case 3: case 6: {
          const a = this.acks[pk.id];
          if (!a) return;
          delete this.acks[pk.id];
          return safe(a, this, a.withErr ? [null, ...d] : d, "an ack callback");
        }
        case 4: { // a middleware refused: no retry, as the official client
          this._active = false; this.io._destroy();
          const e = new Error(typeof d === "string" ? d : d.message);
          e.data = d.data;
          return this._fire("connect_error", e);
        }
      }
    }
  }

  const cache = {};
  function io(uri, o) {
    if (typeof uri === "object") { o = uri; uri = undefined; }
    o = Object.assign({}, o);
    const u = new URL(uri || "/", typeof location === "undefined" ? undefined : location.href);
    const base = (u.protocol.replace(/^ws/, "http")) + "//" + u.host, nsp = u.pathname || "/";
    if (u.search) o.query = Object.assign(Object.fromEntries(u.searchParams), o.query);
    const key = base + (o.path || "/socket.io");
    const m = o.forceNew || o.multiplex === false || (cache[key] && cache[key].nsps[nsp])
      ? new Manager(base, o) : (cache[key] ||= new Manager(base, o));
    const s = m.socket(nsp, o);
    return o.autoConnect === false ? s : s.connect();
  }
  Object.assign(io, { io, connect: io, protocol: 5 });
  if (typeof module === "object" && module.exports) module.exports = io; else root.io = io;
})(typeof self !== "undefined" ? self : globalThis);
