"""The result table the scripts/bench-*.sh benchmarks print."""


def print_table(head, rows, right):
    """Prints `rows` under `head` in aligned columns; columns whose index is in `right` are right-aligned."""
    widths = [max(len(str(x[i])) for x in [head] + rows) for i in range(len(head))]
    for line in [head] + rows:
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(line, widths))]
        print("  ".join(cells).rstrip())
