"""Tiny notebooks for the tests of the build machinery (seconds, not minutes)."""

import nbformat


def notebook(*sources, parameters=None):
    """A notebook of code cells ``sources``, after a ``parameters`` cell when given."""
    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        cells.insert(0, cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def output_text(nb, index):
    """The text of the first output of cell ``index`` of an executed notebook."""
    outputs = nb.cells[index].outputs
    return outputs[0].get("text") or outputs[0]["data"]["text/plain"]
