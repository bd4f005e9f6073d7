"""One fixed colour per collector, from a colour-blind-safe palette (Okabe & Ito)."""

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
             "#000000")
# The built-ins keep their colours whatever else a folder holds.
FIXED = {"marksweep": "#0072B2", "copying": "#D55E00", "concurrent": "#009E73",
         "nogc": "#7F7F7F"}


def colours(collectors):
    """{collector spec: colour}: built-ins (and their variants' base names) fixed, the
    rest in sorted order from what is left of the palette, then cycling."""
    result = {}
    used = set()
    for spec in sorted(collectors):
        if spec in FIXED:
            result[spec] = FIXED[spec]
            used.add(FIXED[spec])
    spare = [c for c in OKABE_ITO if c not in used] or list(OKABE_ITO)
    i = 0
    for spec in sorted(collectors):
        if spec not in result:
            result[spec] = spare[i % len(spare)]
            i += 1
    return result
