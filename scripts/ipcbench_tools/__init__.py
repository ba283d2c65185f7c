"""The logic behind scripts/*.sh: parsers for each tool's output, readers of ipcbench's CSV,
the statistics the reports use, and one module per script's report.

The shell scripts only parse their options, build, and run the tools; they call these modules
with `PYTHONPATH=scripts python3 -m ipcbench_tools.<module> ARGS...`. Standard library only,
Python 3.9 or later. Tests: `python3 -m unittest discover -s scripts/tests -t scripts`.
"""
