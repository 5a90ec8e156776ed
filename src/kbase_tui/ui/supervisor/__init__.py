"""The head of sales' desk: refusal review, staff departures, reports, import and export."""
