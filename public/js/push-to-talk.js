// Push-to-talk: hold the button (mouse, touch or pen) or the Space bar. `onPress`/`onRelease`
// fire once per hold; `enabled()` says whether push-to-talk is active at all.

export function bindPushToTalk(button, { enabled, onPress, onRelease }) {
  let held = false;
  const press = () => {
    if (held || !enabled()) return;
    held = true;
    button.setAttribute('aria-pressed', 'true');
    onPress();
  };
  const release = () => {
    if (!held) return;
    held = false;
    button.setAttribute('aria-pressed', 'false');
    onRelease();
  };

  button.addEventListener('pointerdown', (event) => {
    button.setPointerCapture(event.pointerId);
    press();
  });
  button.addEventListener('pointerup', release);
  button.addEventListener('pointercancel', release);
  button.addEventListener('lostpointercapture', release);

  const isSpace = (event) => event.code === 'Space' && !typesText(event.target);
  window.addEventListener('keydown', (event) => {
    if (!isSpace(event) || !enabled()) return;
    event.preventDefault(); // no page scroll, no click on a focused button
    if (!event.repeat) press();
  });
  window.addEventListener('keyup', (event) => {
    if (!isSpace(event) || !held) return;
    event.preventDefault();
    release();
  });
  // A key released while the window had no focus never sends keyup.
  window.addEventListener('blur', release);
  return { release };
}

const NOT_TEXT = new Set(['radio', 'checkbox', 'button', 'submit', 'reset', 'range', 'color']);

/** Space belongs to a field that takes typing (or opens a select), not to push-to-talk. */
function typesText(target) {
  if (target instanceof HTMLInputElement) return !NOT_TEXT.has(target.type);
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement
    || (target instanceof HTMLElement && target.isContentEditable);
}
