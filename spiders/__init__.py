"""One module per source; each declares only what is specific to its site."""
