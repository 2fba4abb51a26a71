// Mount Pagefind's search box; result links are built from the site's base path (GitHub Pages sub-paths).
window.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  new PagefindUI({ element: "#search", baseUrl: box.dataset.baseUrl || "/", showSubResults: false, showImages: false });
  var input = box.querySelector("input");
  if (input) input.setAttribute("aria-label", "Search events, people, countries and places");
});
