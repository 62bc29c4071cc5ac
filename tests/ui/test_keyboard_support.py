"""The keyboard helpers find what they are for: a letter taken twice, a control with no name."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLineEdit, QPushButton, QWidget

from tests.support.keyboard import duplicate_mnemonics, mnemonic, nameless, tab_chain


def test_mnemonics_in_both_conventions() -> None:
    assert mnemonic("&Save") == "s"
    assert mnemonic("保存(&S)") == "s"
    assert mnemonic("Fish && chips") is None
    assert mnemonic("Plain") is None


def test_a_letter_taken_twice_and_a_nameless_control_are_found(qtbot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    form = QFormLayout(root)
    named = QLineEdit(root)
    form.addRow("&Name", named)  # the label names it, for Qt's accessibility too
    bare = QLineEdit(root)
    form.addRow(bare)
    form.addRow(QPushButton("&Next", root))
    hidden = QPushButton("&Hidden", root)
    hidden.hide()
    root.show()
    assert duplicate_mnemonics(root) == {"n": ["&Name", "&Next"]}
    assert tab_chain(root)[:2] == [named, bare]
    assert nameless(root) == ["QLineEdit '' in QWidget"]
