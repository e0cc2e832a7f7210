// The silence dialog: POST /api/v1/silences with the alert's labels as matchers and the
// chosen duration. Silences need the admin scope (localhost without a key may only
// read), so the dialog asks for a key once and keeps it in localStorage.

import { matchers, post, storedKey, storeKey, forgetKey } from './api.js';

/** Opens the dialog for `labels`; resolves with the created silence, or null if cancelled. */
export function silence(labels) {
  const dialog = document.getElementById('silence-dialog');
  const form = document.getElementById('silence-form');
  const error = document.getElementById('silence-error');
  const keyRow = document.getElementById('silence-key-row');
  const text = matchers(labels);
  document.getElementById('silence-matchers').textContent = text;
  error.hidden = true;
  form.elements.comment.value = '';
  form.elements.key.value = '';
  keyRow.hidden = Boolean(storedKey());
  dialog.showModal();
  return new Promise((resolve) => {
    const submit = async (ev) => {
      ev.preventDefault();
      if (ev.submitter && ev.submitter.value === 'cancel') { finish(null); return; }
      if (form.elements.key.value) storeKey(form.elements.key.value.trim());
      try {
        const created = await post('/api/v1/silences', {
          matchers: text, duration: form.elements.duration.value,
          comment: form.elements.comment.value || 'silenced from the dashboard',
        });
        finish(created);
      } catch (e) {
        if (e.status === 401 || e.status === 403) { forgetKey(); keyRow.hidden = false; }
        error.textContent = e.message;
        error.hidden = false;
      }
    };
    const finish = (value) => {
      form.removeEventListener('submit', submit);
      dialog.close();
      resolve(value);
    };
    form.addEventListener('submit', submit);
  });
}
