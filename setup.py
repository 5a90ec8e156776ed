"""The one thing pyproject.toml cannot say: data/ (at the top of the repository) ships inside the package.

A wheel carries data/ as kbase_tui/_data; an editable install maps kbase_tui._data onto data/ in
place (data/ has an __init__.py so that the editable finder can import it).  kbase_tui.shipped reads
both with importlib.resources.  Everything else about the package is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages("src"), "kbase_tui._data", "kbase_tui._data.demo"],
    package_dir={"": "src", "kbase_tui._data": "data", "kbase_tui._data.demo": "data/demo"},
)  # which files of those folders: [tool.setuptools.package-data] in pyproject.toml
