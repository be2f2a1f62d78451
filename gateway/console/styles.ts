/**
 * The console's stylesheet (served as its own hashed asset: the CSP allows no inline style). Light and dark themes
 * are two sets of custom properties: the system's preference by default, `data-theme` on `<html>` when the user chose.
 */
export const CONSOLE_STYLES = `
:root{--bg:#f7f7f8;--panel:#fff;--fg:#1b1d21;--muted:#5b616e;--line:#d5d8de;--accent:#2f5fd0;--accent-fg:#fff;
--tool:#eef3ff;--tool-line:#b8c8f0;--warn:#fff4dc;--warn-line:#e0b25a;--bad:#b42318;--ok:#13795b;--redact:#ffe1e1;
--code:#f0f1f4;--warn-fg:#8a5a00;color-scheme:light}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){--bg:#15171b;--panel:#1d2025;--fg:#e7e9ee;--muted:#a2a8b4;
--line:#363a42;--accent:#8fb0ff;--accent-fg:#0b1020;--tool:#1c2740;--tool-line:#3a5186;--warn:#3a2f16;--warn-line:#9a7a33;
--bad:#ff8a80;--ok:#5fd3a6;--redact:#4a2326;--code:#262a31;--warn-fg:#f0c060;color-scheme:dark}}
:root[data-theme=dark]{--bg:#15171b;--panel:#1d2025;--fg:#e7e9ee;--muted:#a2a8b4;--line:#363a42;--accent:#8fb0ff;
--accent-fg:#0b1020;--tool:#1c2740;--tool-line:#3a5186;--warn:#3a2f16;--warn-line:#9a7a33;--bad:#ff8a80;--ok:#5fd3a6;
--redact:#4a2326;--code:#262a31;--warn-fg:#f0c060;color-scheme:dark}
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{background:var(--bg);color:var(--fg);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
button,input,select,textarea{font:inherit;color:inherit}
button{background:var(--accent);color:var(--accent-fg);border:1px solid var(--accent);border-radius:6px;padding:.35rem .8rem;cursor:pointer}
button.secondary{background:transparent;color:var(--fg);border-color:var(--line)}
button.danger{background:transparent;color:var(--bad);border-color:var(--bad)}
button:disabled{opacity:.5;cursor:default}
input,select,textarea{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.35rem .5rem;max-width:100%}
textarea{width:100%;resize:vertical}
label{display:block;font-weight:600;margin:.5rem 0 .2rem}
.skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;z-index:9;background:var(--panel);padding:.3rem}
.shell{display:flex;flex-direction:column;min-height:100%}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;
padding:.5rem 1rem;background:var(--panel);border-bottom:1px solid var(--line)}
header h1{font-size:1.1rem;margin:0}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;margin:0;padding:0}
nav a{display:block;padding:.3rem .7rem;border-radius:6px;text-decoration:none;color:var(--fg)}
nav a[aria-current=page]{background:var(--accent);color:var(--accent-fg)}
header .spacer{flex:1}
main{flex:1;padding:1rem;display:flex;flex-direction:column;gap:1rem;min-width:0}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:1rem;min-width:0}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
.cols{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
.cols>*{flex:1 1 18rem;min-width:0}
.muted{color:var(--muted)}
.grow{flex:1 1 auto;margin:0}
.error{color:var(--bad);font-weight:600}
.transcript{display:flex;flex-direction:column;gap:.6rem;padding:.25rem}
.msg{border:1px solid var(--line);border-radius:8px;padding:.5rem .75rem;white-space:pre-wrap;overflow-wrap:anywhere}
.msg.user{align-self:flex-end;background:var(--code);max-width:85%}
.msg.assistant{background:var(--panel)}
.who{font-size:.8rem;font-weight:600;color:var(--muted);display:block}
.event{border:1px solid var(--tool-line);background:var(--tool);border-radius:8px;padding:.4rem .75rem;overflow-wrap:anywhere}
.event.interrupt{background:var(--warn);border-color:var(--warn-line)}
.event pre,pre{background:var(--code);padding:.4rem;border-radius:4px;overflow:auto;white-space:pre-wrap;margin:.3rem 0;font-size:.9rem}
.redacted{background:var(--redact);border-radius:3px;padding:0 .2rem;font-weight:600}
.badge{display:inline-block;font-size:.75rem;border:1px solid var(--line);border-radius:99px;padding:0 .5rem;margin-left:.3rem}
.status-ok{color:var(--ok)}.status-bad{color:var(--bad)}
.list{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:.25rem}
.list button{width:100%;text-align:left;background:transparent;color:var(--fg);border-color:var(--line)}
.list button[aria-pressed=true]{border-color:var(--accent);box-shadow:inset 4px 0 0 var(--accent)}
.signin{max-width:28rem;margin:4rem auto}
.signin input{width:100%}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.status-warn{color:var(--warn-fg)}
.nodes{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,28rem),1fr));gap:1rem}
.node[data-state=dead]{border-color:var(--bad)}.node[data-state=draining]{border-color:var(--warn-line)}
.node-title{margin:0 0 .5rem;font-size:1.05rem;overflow-wrap:anywhere}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:0 0 .5rem}
.facts dt{font-weight:600;color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
thead th{color:var(--muted);font-weight:600;white-space:nowrap}
.actions{display:flex;flex-wrap:wrap;gap:.3rem}
.changes li{border-bottom:1px solid var(--line);padding:.15rem 0}
.stack{display:flex;flex-direction:column;gap:1rem}
.wide{width:100%}
.linkish{background:none;border:none;color:var(--fg);padding:0;text-align:left;font-weight:600}
.kind{display:block;font-size:.75rem;text-transform:uppercase;color:var(--muted)}
.depth-1{padding-left:1.5rem}.depth-2{padding-left:2.5rem}.depth-3{padding-left:3.5rem}.depth-4,.depth-5{padding-left:4.5rem}
.bar-col{width:35%;min-width:8rem}
.bar{display:block;width:100%;height:.9rem}
.bar rect{fill:var(--muted)}.bar .bar-run{fill:var(--accent)}.bar .bar-model{fill:var(--ok)}.bar .bar-tool{fill:var(--tool-line)}
.bar .bar-delegation,.bar .bar-handoff{fill:var(--warn-line)}.bar .bar-guardrail,.bar .bar-interrupt{fill:var(--bad)}
`;
