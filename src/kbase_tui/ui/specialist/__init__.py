"""The specialist's screens: their open assignments and the card of a client they were brought into."""
