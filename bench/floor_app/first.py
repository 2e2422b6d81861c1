from bench.floor_app.page_body import draw

draw("床 1")
