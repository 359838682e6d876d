"""Map the three code folders onto the `freehold` namespace.

Every package below core/, connectors/ and plugins/ is found here, so none can be left out of
the wheel by forgetting to list it.
"""

from setuptools import find_packages, setup

CODE_FOLDERS = ("core", "connectors", "plugins")

packages = [
    f"freehold.{name}" for name in find_packages(include=[f"{folder}*" for folder in CODE_FOLDERS])
]

setup(
    package_dir={"freehold": "."},
    packages=packages,
)
