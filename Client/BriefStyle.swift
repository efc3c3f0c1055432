/// The HTML brief's style sheet: a sober staff document on screen and on A4 paper.
enum BriefStyle {
    static let css = """
    :root { --ink: #1c2733; --muted: #5b6875; --rule: #c9d1da; --navy: #14365d; --band: #eef2f6; }
    * { box-sizing: border-box; }
    body { margin: 0; background: #dfe4ea; color: var(--ink); font: 10.5pt/1.45 "Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif; }
    .page { max-width: 210mm; margin: 12px auto; background: #fff; padding: 14mm 15mm 10mm; box-shadow: 0 1px 6px rgba(0,0,0,.2); }
    .banner { display: flex; justify-content: space-between; border-top: 4px solid var(--navy); border-bottom: 1px solid var(--rule);
              padding: 4px 0; font-size: 8pt; letter-spacing: .08em; text-transform: uppercase; color: var(--navy); font-weight: bold; }
    h1 { font-size: 18pt; line-height: 1.2; margin: 12px 0 8px; color: var(--navy); }
    h2 { font-size: 12.5pt; color: var(--navy); border-bottom: 2px solid var(--navy); padding-bottom: 2px; margin: 22px 0 8px; }
    h3 { font-size: 11pt; margin: 14px 0 6px; }
    h3 small { color: var(--muted); font-weight: normal; font-size: 9pt; margin-left: 6px; }
    .meta { display: flex; flex-wrap: wrap; gap: 0; margin: 0 0 10px; border: 1px solid var(--rule); }
    .meta div { flex: 1 1 auto; padding: 4px 10px; border-right: 1px solid var(--rule); }
    .meta div:last-child { border-right: 0; }
    .meta dt { font-size: 7.5pt; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
    .meta dd { margin: 0; font-weight: bold; }
    .figures { display: flex; gap: 8px; margin: 10px 0; }
    .figure { flex: 1; background: var(--band); border-left: 4px solid var(--navy); padding: 6px 8px; }
    .figure b { display: block; font-size: 16pt; line-height: 1.1; }
    .figure span { font-size: 8pt; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
    .figure.good { border-left-color: #2e7d4f; } .figure.warn { border-left-color: #c0392b; } .figure.warn b { color: #c0392b; }
    .charts { display: flex; gap: 10px; align-items: stretch; margin-bottom: 4px; }
    figure { margin: 0; border: 1px solid var(--rule); padding: 6px 8px; min-width: 0; }
    figure.status { flex: 405 1 0; } figure.progress { flex: 252 1 0; }
    figure svg { display: block; max-width: 100%; height: auto; }
    figcaption { font-size: 8.5pt; font-weight: bold; text-transform: uppercase; letter-spacing: .05em; color: var(--navy); margin-bottom: 4px; }
    table { width: 100%; border-collapse: collapse; margin: 4px 0 10px; font-size: 9pt; }
    th { text-align: left; background: var(--navy); color: #fff; font-weight: bold; padding: 4px 6px; font-size: 8.5pt; }
    td { padding: 4px 6px; border-bottom: 1px solid var(--rule); vertical-align: top; }
    tbody tr:nth-child(even) td { background: #f7f9fb; }
    table.changes tr.cont td { border-top: 0; }
    table.changes tr.first td { border-top: 1px solid #9fb0c2; }
    table.plan { table-layout: fixed; } table.plan td { overflow-wrap: anywhere; }
    td.num { width: 2em; font-weight: bold; color: var(--navy); }
    td.date { white-space: nowrap; } td.late { color: #c0392b; font-weight: bold; }
    td.note { color: #333; max-width: 55mm; } .by { color: var(--muted); font-size: 8pt; } .only { color: #a4262c; font-size: 8pt; white-space: nowrap; }
    code { font: 8.5pt "DejaVu Sans Mono", Menlo, Consolas, monospace; color: var(--navy); }
    .ref { margin-bottom: 2px; }
    .pill { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 8pt; font-weight: bold; color: #fff; white-space: nowrap; background: #7b8794; }
    .s-done { background: #2e7d4f; } .s-in-progress { background: #d08f1f; } .s-open { background: #3f6fa8; }
    .s-proposed { background: #8c9bad; } .s-blocked { background: #c0392b; } .s-cancelled { background: #5f6b76; }
    .field { font-weight: bold; font-size: 8.5pt; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); margin-right: 4px; }
    del { color: #8a3b30; } ins { color: #1f6b3c; text-decoration: none; font-weight: bold; }
    blockquote { margin: 8px 0; padding: 6px 10px; background: var(--band); border-left: 4px solid var(--navy); white-space: pre-line; }
    .lines { white-space: pre-line; }
    .lead { color: var(--muted); margin: 4px 0 8px; } .none { color: var(--muted); font-style: italic; }
    footer { margin-top: 20px; padding-top: 6px; border-top: 1px solid var(--rule); font-size: 8pt; color: var(--muted); }
    @page { size: A4; margin: 14mm 12mm; }
    @media print {
      body { background: #fff; font-size: 9.5pt; }
      .page { max-width: none; margin: 0; padding: 0; box-shadow: none; }
      h2, h3 { break-after: avoid; page-break-after: avoid; }
      tr, figure, .figure, blockquote { break-inside: avoid; page-break-inside: avoid; }
      thead { display: table-header-group; }
      th, .pill, .figure, tbody tr:nth-child(even) td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    }
    """
}
