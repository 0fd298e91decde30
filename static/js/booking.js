// The public booking page's month calendar as a keyboard grid (WAI-ARIA APG date grid):
// one tab stop, on the chosen day or the first day with free times; arrow keys move a day
// or a week, Home and End to the week's first and last day, Page Up and Page Down to the
// previous and next month; Enter or Space chooses a day with free times. Days without free
// times can be reached (a screen reader says 'no free times') but not chosen.
// And on the details form: the error summary takes the focus, and its links the field's.
(function () {
  'use strict';

  const FOCUS_FLAG = 'booking:focus-calendar';

  function days(grid) { return Array.from(grid.querySelectorAll('[data-day]')); }

  function startDay(grid) {
    return grid.querySelector('[data-day][aria-current="date"]') ||
      grid.querySelector('a[data-day]') || days(grid)[0];
  }

  function moveTo(grid, day) {
    days(grid).forEach((d) => { d.tabIndex = d === day ? 0 : -1; });
    day.focus();
  }

  // Where a key takes the focus, as an index into the month's days (clamped by the caller).
  function target(key, index, weekday) {
    switch (key) {
      case 'ArrowLeft': return index - 1;
      case 'ArrowRight': return index + 1;
      case 'ArrowUp': return index - 7;
      case 'ArrowDown': return index + 7;
      case 'Home': return index - weekday;
      case 'End': return index + 6 - weekday;
      default: return null;
    }
  }

  function otherMonth(key) {
    const link = document.querySelector(
      `[data-month-link="${key === 'PageUp' ? 'previous' : 'next'}"]`);
    if (!link) return;
    sessionStorage.setItem(FOCUS_FLAG, '1');  // the next page puts the focus back in the grid
    // Without the #calendar fragment: Chromium's scroll to a fragment clears the focus; the
    // focused day scrolls into view by itself.
    window.location.href = link.href.split('#')[0];
  }

  function onKey(grid, event) {
    const all = days(grid);
    const day = event.target.closest('[data-day]');
    const index = all.indexOf(day);
    if (index < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      if (day.tagName === 'A') day.click();  // a day without free times chooses nothing
      return;
    }
    if (event.key === 'PageUp' || event.key === 'PageDown') {
      event.preventDefault();
      otherMonth(event.key);
      return;
    }
    const next = target(event.key, index, Number(day.dataset.weekday));
    if (next === null) return;
    event.preventDefault();
    moveTo(grid, all[Math.max(0, Math.min(all.length - 1, next))]);
  }

  function setUpGrid(grid) {
    const first = startDay(grid);
    if (!first) return;
    days(grid).forEach((d) => { d.tabIndex = d === first ? 0 : -1; });
    grid.addEventListener('keydown', (event) => onKey(grid, event));
    // A click (or tap) on a day moves the tab stop there too.
    grid.addEventListener('focusin', (event) => {
      const day = event.target.closest('[data-day]');
      if (day) days(grid).forEach((d) => { d.tabIndex = d === day ? 0 : -1; });
    });
    if (sessionStorage.getItem(FOCUS_FLAG)) {
      sessionStorage.removeItem(FOCUS_FLAG);
      first.focus();
    }
  }

  function setUpErrors() {
    const summary = document.querySelector('.error-summary');
    if (!summary) return;
    summary.focus();
    summary.addEventListener('click', (event) => {
      const link = event.target.closest('a[href^="#"]');
      const field = link && document.getElementById(link.getAttribute('href').slice(1));
      if (!field) return;
      event.preventDefault();
      field.focus();
      field.scrollIntoView({block: 'center'});
    });
  }

  function start() {
    document.querySelectorAll('[data-month-grid]').forEach(setUpGrid);
    setUpErrors();
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
