// The pages' behaviour, wired by data attributes. The content security policy runs no inline
// script, no on*="" handler and no style="" attribute, so templates say what they want here:
//   data-autosubmit         a select or input that submits its form when changed
//   data-close-panel        closes the side panel
//   data-pick-patient="id"  (with data-label) chooses a patient in the appointment form
//   data-confirm="question" asks before a form is sent or a button acts
//   data-refresh-checkout   a link opened in a new tab; the checkout reloads shortly after
//   data-top, data-height, data-colour, data-grid-height, data-columns: calendar layout
//   data-remember-key       a booking form whose details the client may keep in this browser
//   data-refresh            a select of the workflow builder: its form is posted back (op
//                           refresh) and swapped, so the next select offers what fits
(function () {
  'use strict';

  function panel() { return document.getElementById('panel'); }
  function backdrop() { return document.getElementById('panel-backdrop'); }

  function openPanel() {
    panel().hidden = false;
    backdrop().hidden = false;
  }

  function closePanel() {
    const p = panel();
    if (!p) return;
    p.hidden = true;
    p.innerHTML = '';
    backdrop().hidden = true;
  }

  function pickPatient(id, label) {
    const input = document.getElementById('id_patient');
    input.value = id;
    // A hidden field fires no change of its own: the channel warning listens for one.
    input.dispatchEvent(new Event('change', {bubbles: true}));
    document.getElementById('chosen-patient').textContent = label;
    document.getElementById('patient-picks').innerHTML = '';
    document.getElementById('patient-q').value = '';
  }

  // Layout numbers come from the server as data attributes and are set through the CSSOM,
  // which the policy allows (unlike style="" attributes).
  function px(value) { return value + 'px'; }
  function applyLayout(root) {
    root.querySelectorAll('[data-grid-height]').forEach((el) => {
      el.style.setProperty('--grid-height', px(el.dataset.gridHeight));
      el.style.setProperty('--columns', el.dataset.columns);
    });
    root.querySelectorAll('[data-top]').forEach((el) => { el.style.top = px(el.dataset.top); });
    root.querySelectorAll('[data-height]').forEach((el) => { el.style.height = px(el.dataset.height); });
    root.querySelectorAll('[data-colour]').forEach((el) => {
      el.style.setProperty('--type-colour', el.dataset.colour);
    });
  }

  // A click on a free spot of a practitioner's column opens the new-appointment form at that
  // time: one handler per page instead of a link per quarter hour.
  function bookAt(column, event) {
    const calendar = column.closest('.calendar');
    const c = calendar.dataset;
    const slot = Math.floor(event.offsetY / Number(c.pxPerSlot));
    const minutes = slot * Number(c.slotMinutes) + Number(c.startMinutes);
    const time = String(Math.floor(minutes / 60)).padStart(2, '0') + ':' +
      String(minutes % 60).padStart(2, '0');
    const url = c.createUrl + '&practitioner=' + column.dataset.practitioner +
      '&start=' + (column.dataset.day || c.day) + 'T' + time;
    htmx.ajax('GET', url, {target: '#panel'});
  }

  // A free time picked in the booking form's finder (or among the nearest free times on a
  // clash) fills the form's date, start and practitioner; no change event, so the finder
  // list stays where it is.
  function fillStart(button) {
    const form = button.closest('form');
    if (!form) return;
    form.elements.date.value = button.dataset.fillDate;
    form.elements.start_time.value = button.dataset.fillTime;
    // Which instant it is, for the night a wall time happens twice (typed over: cleared).
    if (form.elements.instant) form.elements.instant.value = button.dataset.fillInstant || '';
    if (button.dataset.fillPractitioner && form.elements.practitioner) {
      form.elements.practitioner.value = button.dataset.fillPractitioner;
    }
    form.querySelectorAll('[data-fill-time][aria-pressed="true"]').forEach((other) => {
      other.setAttribute('aria-pressed', 'false');
    });
    button.setAttribute('aria-pressed', 'true');
  }

  function refreshCheckout() {
    htmx.ajax('GET', window.location.pathname,
      {target: '#checkout', select: '#checkout', swap: 'outerHTML'});
  }

  // Delegated, so a select swapped in a moment ago already acts.
  function refreshBuilder(form) {
    htmx.ajax('POST', form.getAttribute('action'),
      {source: form, target: form, swap: 'outerHTML', values: {op: 'refresh'}});
  }

  // While the builder form is on its way to the server, its answer will replace the whole
  // form: text typed meanwhile would be lost, so the text fields wait (read-only) until then.
  function builderBusy(event, busy) {
    const form = event.detail && event.detail.target;
    if (!form || !form.matches || !form.matches('form.builder')) return;
    form.querySelectorAll('input:not([type=checkbox]):not([type=radio]):not([type=hidden]), textarea')
      .forEach((field) => { field.readOnly = busy; });
    if (busy) form.setAttribute('aria-busy', 'true'); else form.removeAttribute('aria-busy');
  }
  document.addEventListener('htmx:beforeRequest', (event) => builderBusy(event, true));
  document.addEventListener('htmx:afterRequest', (event) => builderBusy(event, false));
  // A field typed into in the instant between a builder swap and htmx taking the new form
  // in hand sent nothing (preview, segment count): send it now. (Its triggers have no
  // 'changed' modifier: htmx would take the typed text for the starting value.)
  document.addEventListener('htmx:afterSettle', () => {
    const form = document.getElementById('builder');
    if (!form) return;
    form.querySelectorAll('input[hx-post], textarea[hx-post]').forEach((field) => {
      if (field.value !== field.defaultValue) {
        field.dispatchEvent(new Event('input', {bubbles: true}));
      }
    });
  });

  // A date or start typed by hand no longer is the free time picked: forget its instant
  // (the server ignores one that does not match anyway).
  document.addEventListener('input', (event) => {
    const field = event.target;
    if (!field.form || !field.form.elements.instant) return;
    if (field.name === 'date' || field.name === 'start_time') field.form.elements.instant.value = '';
  });

  document.addEventListener('change', (event) => {
    const field = event.target.closest('[data-autosubmit]');
    if (field && field.form) field.form.submit();
    const refresh = event.target.closest('[data-refresh]');
    if (refresh && refresh.form) refreshBuilder(refresh.form);
  });

  document.addEventListener('click', (event) => {
    const target = event.target;
    const confirmer = target.closest('button[data-confirm], a[data-confirm]');
    if (confirmer && !window.confirm(confirmer.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (target.closest('[data-close-panel]')) {
      closePanel();
      return;
    }
    const fill = target.closest('[data-fill-time]');
    if (fill) {
      fillStart(fill);
      return;
    }
    const pick = target.closest('[data-pick-patient]');
    if (pick) {
      pickPatient(pick.dataset.pickPatient, pick.dataset.label);
      return;
    }
    if (target.closest('[data-refresh-checkout]')) {
      setTimeout(refreshCheckout, 800);
      return;
    }
    const column = target.closest('.cal-col');
    if (column && !target.closest('.appt')) bookAt(column, event);
  });

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  document.addEventListener('keydown', (event) => { if (event.key === 'Escape') closePanel(); });

  document.addEventListener('htmx:afterSwap', (event) => {
    if (event.detail.target.id !== 'panel') return;
    openPanel();
    // A refused form comes back where it was scrolled to: show why (and what is free).
    const problem = event.detail.target.querySelector('.form-errors, .message');
    if (problem) problem.scrollIntoView({block: 'nearest'});
  });
  document.addEventListener('htmx:load', (event) => applyLayout(event.detail.elt));
  // A status change keeps the panel open (it says what changed): the calendar behind it
  // fetches itself again so the block shows the new status.
  // (The whole page body: the grid and the phone list both show the status.)
  document.body.addEventListener('appointment-changed', () => {
    if (!document.querySelector('.calendar-scroll')) return;
    htmx.ajax('GET', window.location.href, {target: 'main', select: 'main', swap: 'outerHTML'});
  });

  // 'Remember me' on the booking form: what the client typed stays in this browser only.
  function remember(form) {
    const key = form.dataset.rememberKey;
    const names = ['first_name', 'last_name', 'mobile', 'email', 'address', 'postal_code',
      'city', 'patient_name'];
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(key) || 'null'); } catch (e) { saved = null; }
    if (saved) {
      names.forEach((name) => {
        const input = form.elements[name];
        if (input && !input.value && saved[name]) input.value = saved[name];
      });
      form.elements.remember.checked = true;
    }
    form.addEventListener('submit', () => {
      if (form.elements.remember.checked) {
        const data = {};
        names.forEach((name) => { if (form.elements[name]) data[name] = form.elements[name].value; });
        localStorage.setItem(key, JSON.stringify(data));
      } else {
        localStorage.removeItem(key);
      }
    });
  }

  function start() {
    applyLayout(document);
    document.querySelectorAll('form[data-remember-key]').forEach(remember);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
