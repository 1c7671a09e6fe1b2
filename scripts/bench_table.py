"""The result table the scripts/bench-*.sh benchmarks print."""


def print_table(head, rows, right):
    """Prints `rows` under `head` in aligned columns; columns whose index is in `right` are right-aligned."""
    widths = [max(len(str(x[i])) for x in [head] + rows) for i in range(len(head))]
    for line in [head] + rows:
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(line, widths))]
        print("  ".join(cells).rstrip())


def median_spread(values):
    """The median of `values` and their (min, max): what every benchmark reports of its runs."""
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return median, (ordered[0], ordered[-1])


def spread_text(values, fmt="{:.2f}"):
    """'median (min–max)' of `values`, each through `fmt`."""
    median, (lo, hi) = median_spread(values)
    return f"{fmt.format(median)} ({fmt.format(lo)}–{fmt.format(hi)})"
