"""Growing each client: the card's growth tab, white spots of a portfolio, the catalog, the standards,
the market's capacity and census, focus targets, and the dialogs that bring a specialist in."""
