// The calendar's own behaviour (day and week view), wired by data attributes; no inline
// script under the content security policy.
//   data-lane, data-lanes   overlapping appointments share their column side by side
//   .appt.movable           dragged to another time or column: posted to the same move
//                           endpoint the panel's form uses, so a taken time is refused with
//                           the form's message (shown in the panel) and the block goes back.
// A mouse drags at once; a finger holds the appointment for a moment first, so a swipe
// still scrolls the calendar.
(function () {
  'use strict';

  const THRESHOLD = 6;
  const HOLD_MS = 350;
  let drag = null;
  let swallowClick = false;

  function layoutLanes(root) {
    root.querySelectorAll('.appt[data-lanes]').forEach((el) => {
      const lanes = Number(el.dataset.lanes);
      const lane = Number(el.dataset.lane);
      el.style.left = 'calc(4px + (100% - 8px) * ' + lane + ' / ' + lanes + ')';
      el.style.width = 'calc((100% - 8px) / ' + lanes + ' - 2px)';
      el.style.right = 'auto';
    });
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']; } catch (e) { return ''; }
  }

  function pad(n) { return String(n).padStart(2, '0'); }

  // The wall-clock time the block's top edge lands on, snapped to the grid's quarters.
  function dropTime(calendar, column, clientY, grabY) {
    const c = calendar.dataset;
    const top = clientY - column.getBoundingClientRect().top - grabY;
    const slots = Math.max(0, Math.round(top / Number(c.pxPerSlot)));
    const minutes = Math.min(slots * Number(c.slotMinutes) + Number(c.startMinutes), 24 * 60 - Number(c.slotMinutes));
    return pad(Math.floor(minutes / 60)) + ':' + pad(minutes % 60);
  }

  function reset(el) {
    el.style.transform = '';
    el.classList.remove('dragging', 'saving');
    el.style.pointerEvents = '';
  }

  function showPanel(html) {
    const panel = document.getElementById('panel');
    panel.innerHTML = html;
    panel.hidden = false;
    document.getElementById('panel-backdrop').hidden = false;
    if (window.htmx) window.htmx.process(panel);
    const error = panel.querySelector('.form-errors, .errorlist');
    if (error) error.setAttribute('role', 'alert');
  }

  function move(el, column, time) {
    const calendar = el.closest('.calendar');
    const body = new URLSearchParams({
      practitioner: column.dataset.practitioner,
      date: column.dataset.day,
      start_time: time,
      next: calendar.dataset.next,
    });
    el.classList.add('saving');
    fetch(calendar.dataset.moveUrl + el.dataset.appointment + '/move/', {
      method: 'POST',
      headers: {'X-CSRFToken': csrfToken(), 'HX-Request': 'true'},
      body: body,
      credentials: 'same-origin',
    }).then((response) => {
      const target = response.headers.get('HX-Redirect');
      if (response.ok && target) {
        window.location.assign(target);
        return null;
      }
      reset(el);
      return response.text().then(showPanel);
    }).catch(() => reset(el));
  }

  function begin(event) {
    drag.active = true;
    drag.el.classList.add('dragging');
    drag.el.style.pointerEvents = 'none';
    if (drag.touch && navigator.vibrate) navigator.vibrate(15);
  }

  document.addEventListener('pointerdown', (event) => {
    const el = event.target.closest('.calendar .appt.movable');
    if (!el || event.button !== 0) return;
    const rect = el.getBoundingClientRect();
    drag = {
      el: el, x: event.clientX, y: event.clientY, grabY: event.clientY - rect.top,
      touch: event.pointerType === 'touch', active: false, timer: null,
    };
    if (drag.touch) drag.timer = setTimeout(() => { if (drag) begin(event); }, HOLD_MS);
  });

  document.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.active) {
      if (Math.abs(dx) + Math.abs(dy) < THRESHOLD) return;
      if (drag.touch) { clearTimeout(drag.timer); drag = null; return; }  // a swipe: scroll
      begin(event);
    }
    drag.el.style.transform = 'translate(' + dx + 'px, ' + dy + 'px)';
  });

  // While a finger drags, the page must not scroll under it.
  document.addEventListener('touchmove', (event) => {
    if (drag && drag.active) event.preventDefault();
  }, {passive: false});

  function end(event, cancelled) {
    if (!drag) return;
    const current = drag;
    drag = null;
    clearTimeout(current.timer);
    if (!current.active) return;
    swallowClick = true;
    setTimeout(() => { swallowClick = false; }, 0);
    const under = cancelled ? null : document.elementFromPoint(event.clientX, event.clientY);
    const column = under && under.closest('.cal-col');
    if (!column) { reset(current.el); return; }
    const calendar = current.el.closest('.calendar');
    const time = dropTime(calendar, column, event.clientY, current.grabY);
    move(current.el, column, time);
  }
  document.addEventListener('pointerup', (event) => end(event, false));
  document.addEventListener('pointercancel', (event) => end(event, true));

  // The click that ends a drag neither opens the panel nor books the spot dropped on.
  document.addEventListener('click', (event) => {
    if (swallowClick) { event.preventDefault(); event.stopImmediatePropagation(); swallowClick = false; }
  }, true);
  // No native link dragging and no long-press menu on the blocks.
  document.addEventListener('dragstart', (event) => {
    if (event.target.closest && event.target.closest('.calendar .appt')) event.preventDefault();
  });
  document.addEventListener('contextmenu', (event) => {
    if (event.target.closest && event.target.closest('.calendar .appt.movable') && drag) event.preventDefault();
  });

  function start() { layoutLanes(document); }
  // The calendar swapped in again (after a status change in the panel) is laid out too.
  document.addEventListener('htmx:load', (event) => layoutLanes(event.detail.elt));
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
