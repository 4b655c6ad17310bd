"""The report's inline stylesheet (system fonts only: the page must load nothing)."""

from __future__ import annotations

__all__ = ["CSS"]

CSS = """
:root {
  --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --bg: #f5f7fa; --card: #ffffff;
  --pos: #1e7d46; --neg: #c0392b; --accent: #2f5d8a;
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.page { max-width: 1180px; margin: 0 auto; padding: 28px 32px 40px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 20px; }
h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; }
h2 {
  margin: 0 0 10px; font-size: 13px; font-weight: 650; text-transform: uppercase;
  letter-spacing: 0.06em; color: var(--muted);
}
section { margin-bottom: 26px; }
.subtitle, .note, footer { color: var(--muted); margin: 0; }
footer { font-size: 12px; border-top: 1px solid var(--line); padding-top: 10px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.card {
  background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 14px;
}
.card .label { font-size: 12px; color: var(--muted); }
.card .value { font-size: 21px; font-weight: 650; font-variant-numeric: tabular-nums; }
.pos { color: var(--pos); }
.neg { color: var(--neg); }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; align-items: start; }
table {
  border-collapse: collapse; background: var(--card); border: 1px solid var(--line);
  font-variant-numeric: tabular-nums;
}
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); }
th { text-align: left; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
table.kv { width: 100%; }
table.kv th { font-weight: 500; color: var(--muted); width: 55%; word-break: break-word; }
table.kv td.num { white-space: normal; word-break: break-word; }
table.text { width: 100%; }
table.text th { font-weight: 500; color: var(--muted); width: 30%; vertical-align: top; }
table.text td.num { text-align: left; white-space: normal; overflow-wrap: anywhere; }
table.monthly { width: 100%; font-size: 13px; }
table.monthly thead th { background: var(--bg); text-align: right; color: var(--muted); }
table.monthly thead th:first-child { text-align: left; }
table.monthly td { padding: 5px 6px; }
table.monthly td.empty { color: #9aa5b1; }
table.monthly td.total { font-weight: 650; border-left: 2px solid var(--line); }
.charts img {
  display: block; width: 100%; height: auto; background: var(--card);
  border: 1px solid var(--line); border-radius: 8px; margin-bottom: 12px;
}
.plot {
  width: 100%; background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  margin-bottom: 12px;
}
.flag {
  background: #fff4e5; border: 1px solid #f0b35a; border-radius: 8px; color: #7a4b00;
  padding: 8px 12px; margin: 0 0 12px;
}
.kv-block { margin-bottom: 18px; }
.kv-block .note { margin-top: 6px; font-size: 12px; }
.scroll {
  max-height: 420px; overflow: auto; border: 1px solid var(--line); border-radius: 8px;
  background: var(--card); margin-top: 6px;
}
.scroll table { border: 0; width: 100%; font-size: 12.5px; }
.scroll thead th {
  position: sticky; top: 0; background: var(--bg); color: var(--muted); z-index: 1;
  white-space: nowrap;
}
.scroll td { padding: 3px 8px; }
@media (max-width: 800px) { .columns { grid-template-columns: 1fr; } }
"""
