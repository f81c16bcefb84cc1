"""One module per scenario; each exposes run(ctx) and adds its figures to ctx.results."""
