"""The one thing pyproject.toml cannot say: data/ (at the top of the repository) ships inside the package.

A wheel carries data/ as kbase_tui/_data, where kbase_tui.paths.package_data_dir finds it; an
editable install reads data/ in place.  Everything else about the package is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages("src"), "kbase_tui._data", "kbase_tui._data.demo"],
    package_dir={"": "src", "kbase_tui._data": "data", "kbase_tui._data.demo": "data/demo"},
)  # which files of those folders: [tool.setuptools.package-data] in pyproject.toml
