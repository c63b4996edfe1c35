/** Prints rows as left-aligned columns, the first row being the header. */
export function printTable(rows: string[][], empty: string): void {
  if (rows.length <= 1) {
    console.log(empty);
    return;
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
}
