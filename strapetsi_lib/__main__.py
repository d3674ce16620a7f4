from strapetsi_lib.cli import app

app(prog_name="strapetsi")
