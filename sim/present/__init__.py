"""Plain data for the explorer's screens and hand-outs: numbers in words, the brief, contrast checks.

Nothing here imports Streamlit; the app's pages render what these modules return.
"""
