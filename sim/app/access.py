"""Keyboard access on every page: a "Skip to main content" link first in the tab order (the sidebar's
page list and levers are otherwise some 15 Tab presses before the page's content) and a focus ring
that shows on every link, button and chart control.

Streamlit draws the page's frame itself, so the link is put at the top of the document by a script
(once; it survives page changes, which keep the document); it moves the focus to the main region.
"""

from __future__ import annotations

SKIP_ID = "skip-to-main"
MAIN_ID = "main-content"
FOCUS_COLOUR = "#0b57a4"   # the theme's link colour: 3:1 and more against white and the sidebar's grey

ACCESS_HTML = f"""<style>
#{SKIP_ID} {{ position: fixed; left: -10000px; top: 0.5rem; z-index: 1000002; padding: 0.5rem 1rem;
  background: #ffffff; color: {FOCUS_COLOUR}; border: 2px solid {FOCUS_COLOUR}; border-radius: 0.25rem;
  font-weight: 600; text-decoration: underline; }}
#{SKIP_ID}:focus {{ left: 0.5rem; }}
a:focus-visible, button:focus-visible, [role="button"]:focus-visible, [role="slider"]:focus-visible,
input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible,
[tabindex]:focus-visible, [data-testid="stSidebarNav"] a:focus-visible {{
  outline: 3px solid {FOCUS_COLOUR} !important; outline-offset: 2px !important; }}
</style>
<script>
(() => {{
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  const target = () => {{
    const main = doc.querySelector("[data-testid='stMain']");
    if (!main) return null;
    if (!main.id) main.id = "{MAIN_ID}";
    main.setAttribute("tabindex", "-1");
    const link = doc.getElementById("{SKIP_ID}");
    if (link) link.href = "#" + main.id;
    return main;
  }};
  if (!target()) {{
    const wait = setInterval(() => {{ if (target()) clearInterval(wait); }}, 100);
  }}
  if (doc.getElementById("{SKIP_ID}")) return;
  const link = doc.createElement("a");
  link.id = "{SKIP_ID}";
  link.href = "#{MAIN_ID}";
  link.textContent = "Skip to main content";
  link.addEventListener("click", (event) => {{
    event.preventDefault();
    const main = target();
    if (main) main.focus();
  }});
  doc.body.insertBefore(link, doc.body.firstChild);
  target();
}})();
</script>"""
