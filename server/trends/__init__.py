"""How a couple is doing over time: trends read from the store for the web page and the weekly review.

No Flask here (the weekly review's opening is built from `week.week_figures` by the routines'
pure `server.routines.summary`), so the runner and the page share one set of figures and words.
"""
