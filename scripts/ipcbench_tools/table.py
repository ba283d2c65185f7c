"""Plain-text tables with aligned columns, as the scripts print them."""


def aligned(rows, right=(), free_last=True):
    """The rows (lists of strings, the header first) as lines with columns two spaces apart.

    Columns whose index is in `right` are right-aligned, the rest left-aligned. With
    `free_last`, the last column (a note of any length) is not padded and each line loses its
    trailing blanks; without it, every column is padded to its width.
    """
    if not rows:
        return []
    count = len(rows[0])
    padded = count - 1 if free_last else count
    widths = [max(len(row[i]) for row in rows) for i in range(padded)]
    lines = []
    for row in rows:
        cells = [row[i].rjust(w) if i in right else row[i].ljust(w) for i, w in enumerate(widths)]
        if free_last:
            lines.append("  ".join(cells + [row[-1]]).rstrip())
        else:
            lines.append("  ".join(cells))
    return lines
