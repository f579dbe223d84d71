"""Test-session settings shared by tests/ and the nbval notebook run: every test is offline and uses the
shapes model unless CNNVIZ_TEST_MODEL names another (kernels inherit this environment)."""
import os

os.environ["CNNVIZ_MODEL"] = os.environ.get("CNNVIZ_TEST_MODEL", "shapes")
