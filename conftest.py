"""Test-session settings shared by tests/ and the nbval notebook run: every test is offline and uses the
shapes model unless CNNVIZ_TEST_MODEL names another (kernels inherit this environment). Live widgets
only draw their default figure (helpers.widgets.HEADLESS_ENV): no one moves a slider in a test."""
import os

os.environ["CNNVIZ_MODEL"] = os.environ.get("CNNVIZ_TEST_MODEL", "shapes")
os.environ["CNNVIZ_HEADLESS"] = "1"
