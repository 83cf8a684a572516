"""The foundation every layer stands on, knowing nothing of readiness scans.

Belongs here what any layer may need and that holds no knowledge of the study, its data
or its reports: the errors and warnings of the whole package (``errors``), the file names
and column sets of the raw inputs and processed tables (``tables``), atomic writes and
hashing (``files``), the hardened YAML loader (``safe_yaml``), the registries behind the
extension points (``registry``), English words for CLI and log messages (``words``), the
build clock and the package version. Modules here import only the standard library,
PyYAML and each other; nothing else of the package.
"""
