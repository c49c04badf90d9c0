// The status page's script: fetches the page again every `data-refresh-ms` and swaps the new
// <main> in, so the plots move without a reload; sorts the operations on a heading's click and
// keeps that order across refreshes. Everything it shows, the server has already drawn.
"use strict";
(() => {
  const body = document.body;
  const every = Number(body.dataset.refreshMs) || 5000;
  const state = document.getElementById("refresh-state");
  let sort = null; // { column, descending }

  const applySort = () => {
    const table = document.getElementById("operations-table");
    if (!sort || !table) return;
    const th = table.tHead.rows[0].cells[sort.column];
    const numeric = th.dataset.sort === "number";
    const value = (row) => row.cells[sort.column].dataset.value || "";
    const rows = Array.from(table.tBodies[0].rows);
    rows.sort((a, b) => {
      const order = numeric ? Number(value(a)) - Number(value(b)) : value(a).localeCompare(value(b));
      return sort.descending ? -order : order;
    });
    table.tBodies[0].append(...rows);
    for (const cell of table.tHead.rows[0].cells) cell.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", sort.descending ? "descending" : "ascending");
  };

  document.addEventListener("click", (event) => {
    const th = event.target.closest("#operations-table th[data-sort]");
    if (!th) return;
    const column = th.cellIndex;
    const descending = sort && sort.column === column ? !sort.descending : th.dataset.sort === "number";
    sort = { column, descending };
    applySort();
  });

  const refresh = async () => {
    try {
      const response = await fetch(window.location.href, { cache: "no-store", headers: { accept: "text/html" } });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const live = page.getElementById("live");
      if (!live) throw new Error("the answer holds no page");
      document.getElementById("live").replaceWith(live);
      applySort();
      body.dataset.refreshes = String(Number(body.dataset.refreshes) + 1);
      state.textContent = "";
    } catch (error) {
      // Shown on the page, not thrown: a server restarting is no script error.
      state.textContent = `Not refreshed: ${error.message}. Trying again.`;
    }
    window.setTimeout(refresh, every);
  };
  window.setTimeout(refresh, every);
})();
