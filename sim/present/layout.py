"""The scenario page's layout rules: a compact headline grid, the phone layout and a clean print.

Streamlit lays out keyed containers with the class ``st-key-<key>``; these rules address them.
The seven headlines wrap four to a row; below 640 px they sit two to a row, the tree gives way to
its line of play with a link to the full tree, and the first screen (844 px tall) holds the title, the
levers and the headlines, the answer's caption is drawn after the headlines, and the title is smaller
(issue 31; measured by ``tests/e2e/test_browser_phone.py``, the headlines ended 1,726 px down
before). The starting questions and the preset picker come after the results on a phone: the page
has a second copy of them there (``PHONE_START``), in the document's own order, and each width hides
the copy it does not show, so the order a keyboard and a screen reader follow is the order on the
screen at every width (a copy merely drawn lower would be reached by Tab before the levers).

The game tree beside the results is drawn at its own size (labels of 12 px and more) and scrolls
sideways within its box.

Printing drops the sidebar, the header, the starting questions (and their phone copy), the
parameter inputs and the upload box.

A session's first view shows the headlines before the rest of the page: ``REST_SCRIPT`` presses the
hidden button ``REST`` once they are on the screen (see ``app_pages.scenario.rest_to_come``).
"""

from sim.present.tree_view import OWN_SIZE

PHONE_MAX_PX = 639
#: The key of the scenario page's preset picker.
PRESET_CHOICE = "preset_choice"
#: The key of the starting questions and preset picker drawn after the results, for phones (see above),
#: and the suffix of its widgets' keys.
PHONE_START = "start_phone"
PHONE_COPY = "_phone"
#: The main column's top-level block, whose children a phone shows in another order (see above).
TOP = '[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"]'
#: The block of the answer, whose caption a phone shows below the headlines.
ANSWER = '[data-testid="stVerticalBlock"]:has(> [data-testid="stLayoutWrapper"] > .st-key-headlines)'
#: The key of the hidden button that asks for the rest of the page after a session's first view.
REST = "draw_rest"
#: Presses the ``REST`` button once the headlines are on the screen: once the browser has put a
#: metric into the page, and a frame later, so that it has been painted. It gives up after 20 s (a
#: run the user starts first draws the whole page, and the button is gone with it).
REST_SCRIPT = f"""<script>
(function wait(tries) {{
  const button = document.querySelector(".st-key-{REST} button");
  if (button && document.querySelector("[data-testid='stMetric']")) {{
    requestAnimationFrame(() => setTimeout(() => button.click(), 0));
  }} else if (tries > 0) {{
    setTimeout(() => wait(tries - 1), 50);
  }}
}})(400);
</script>"""

PAGE_CSS = f"""
<style>
.st-key-headlines [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap; row-gap: 0.25rem; }}
.st-key-headlines [data-testid="stColumn"] {{ flex: 0 0 calc(25% - 0.75rem) !important;
  min-width: calc(25% - 0.75rem) !important; }}
.st-key-headlines [data-testid="stMetricValue"] {{ white-space: normal; }}
.st-key-tree_link {{ display: none; }}
.st-key-tree_chart {{ overflow-x: auto; }}
.st-key-tree_chart [data-testid="stGraphVizChart"] svg {{ {OWN_SIZE} }}
.st-key-{REST} {{ display: none; }}
.st-key-{PHONE_START} {{ display: none; }}
@media (max-width: {PHONE_MAX_PX}px) {{
  .st-key-headlines [data-testid="stColumn"] {{ flex: 0 0 calc(50% - 0.5rem) !important;
    min-width: calc(50% - 0.5rem) !important; }}
  .st-key-headlines [data-testid="stMetricValue"] {{ font-size: 1.05rem; }}
  .st-key-headlines [data-testid="stMetricLabel"] p {{ font-size: 0.85rem; }}
  .st-key-tree_chart {{ display: none; }}
  .st-key-tree_link {{ display: block; }}
  {TOP} > :is(:has(.st-key-guided_start), .st-key-{PRESET_CHOICE}, .st-key-{PRESET_CHOICE} + *) {{
    display: none; }}
  .st-key-{PHONE_START} {{ display: flex; }}
  {ANSWER} > * {{ order: 1; }}
  {ANSWER} > :is(:has(#answer), :has(.st-key-headlines)) {{ order: 0; }}
  h1 {{ font-size: 1.75rem !important; padding-top: 0 !important; }}
  h2#answer {{ font-size: 1.5rem; padding-bottom: 0.25rem; }}
  .st-key-levers [data-testid="stCaptionContainer"] {{ margin-top: -1rem; }}
  [data-testid="stMainBlockContainer"] {{ padding-top: 3.75rem !important; }}
}}
@media print {{
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
  .st-key-guided_start, .st-key-{PHONE_START}, .st-key-parameters, .st-key-import_export, .st-key-tree_link,
  .st-key-brief_download
  {{ display: none !important; }}
  [data-testid="stMain"] {{ margin-left: 0 !important; }}
  .st-key-tree_chart [data-testid="stGraphVizChart"] svg {{ max-width: 100% !important;
    width: 100% !important; }}
  [data-testid="stMainBlockContainer"] {{ padding: 0 !important; max-width: 100% !important; }}
}}
</style>
"""
