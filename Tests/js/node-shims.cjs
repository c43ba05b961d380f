// What the socket.io-client browser bundle needs in Node 20 beyond its WebSocket (given by
// --experimental-websocket): a minimal XMLHttpRequest over fetch (the polling transport) and a
// FileReader (binary with forceBase64). Required by the Node-side client tests.
"use strict";

// Node 20 has WebSocket (with --experimental-websocket) but no XMLHttpRequest, which the
// bundle's polling transport uses: a minimal one on top of fetch.
class XMLHttpRequestShim {
  constructor() {
    this.readyState = 0;
    this.status = 0;
    this.responseText = "";
    this.withCredentials = false;
    this.headers = {};
  }
  open(method, url) {
    this.method = method;
    this.url = url;
    this.readyState = 1;
  }
  setRequestHeader(name, value) {
    this.headers[name] = value;
  }
  getResponseHeader(name) {
    return this.responseHeaders ? this.responseHeaders.get(name) : null;
  }
  send(body) {
    this.controller = new AbortController();
    fetch(this.url, { method: this.method, headers: this.headers, body: body ?? undefined, signal: this.controller.signal })
      .then(async (response) => {
        this.status = response.status;
        this.responseHeaders = response.headers;
        this.responseText = await response.text();
        this.finish();
      })
      .catch(() => {
        this.status = 0;
        this.finish();
      });
  }
  finish() {
    this.readyState = 4;
    if (this.onreadystatechange) this.onreadystatechange();
    if (this.status === 200 && this.onload) this.onload();
  }
  abort() {
    if (this.controller) this.controller.abort();
  }
}
globalThis.XMLHttpRequest = XMLHttpRequestShim;

// The bundle's polling encoder turns binary into base64 with FileReader.readAsDataURL.
class FileReaderShim {
  readAsDataURL(blob) {
    blob.arrayBuffer().then((buffer) => {
      this.result = `data:${blob.type || "application/octet-stream"};base64,${Buffer.from(buffer).toString("base64")}`;
      if (this.onload) this.onload();
    });
  }
}
globalThis.FileReader = FileReaderShim;
