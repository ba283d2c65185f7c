"""Tests of scripts/ipcbench_tools: python3 -m unittest discover -s scripts/tests -t scripts"""
