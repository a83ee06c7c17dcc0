// fer-video live view: the page's rules that need no page (how long to wait before reconnecting,
// which face cards stay in the panel), apart from app.js so that tests run them without a browser.
"use strict";

((root) => {
  const VIEWER_LIMIT_CODE = 1013;  // the server's close code for a viewer beyond its limit (app.py)
  const RECONNECT_MS = { first: 1000, most: 10000 };  // the server went away: back soon, most likely
  const FULL_MS = { first: 5000, most: 60000 };  // every place taken: one frees up when someone leaves
  const FACE_ABSENT_S = 1;  // a face unseen this long is dimmed and listed after the faces in view
  const FACE_LEAVES_S = 10;  // ... and this long, leaves the panel (a looping file brings new ids each loop)
  const ABSENT_CARDS = 3;  // at most this many faces out of view keep a card: the most recently seen

  // milliseconds before the next try, after `failures` tries in a row that ended with close `code`
  function reconnectDelay(failures, code) {
    const { first, most } = code === VIEWER_LIMIT_CODE ? FULL_MS : RECONNECT_MS;
    return Math.min(most, first * 2 ** Math.max(0, failures - 1));
  }

  // faces: [{id, lastT}] (seconds); which are out of view and which leave the panel at time `now`
  function panelFaces(faces, now) {
    const away = faces.filter((face) => now - face.lastT > FACE_ABSENT_S).sort((a, b) => b.lastT - a.lastT);
    return {
      absent: away.map((face) => face.id),
      leave: away.filter((face, rank) => now - face.lastT > FACE_LEAVES_S || rank >= ABSENT_CARDS)
        .map((face) => face.id),
    };
  }

  const rules = { VIEWER_LIMIT_CODE, FACE_ABSENT_S, FACE_LEAVES_S, ABSENT_CARDS, reconnectDelay, panelFaces };
  if (typeof module === "object" && module.exports) module.exports = rules;  // node, for the tests
  else root.ferLiveRules = rules;
})(globalThis);
