"""The official SDK's response models as key trees, and bodies compared with them.

The SDK's key tree is derived by introspection of the generated model classes: each ``__init__``
parameter's annotation gives its type (nested models are followed), and the wire key of each
attribute is found by setting only that attribute and reading which key ``to_map`` writes.
Used by ``test_contract_sdk.py``.
"""

from __future__ import annotations

import copy
import inspect
import re
from typing import Any

import alibabacloud_ccc20200701.models as sdk_models

from callstate.api._shapes import BOOL, INT, MAP, STR, STRS

# --- the SDK's key tree, by introspection ---------------------------------------------------

_SCALARS = {"str": STR, "int": INT, "bool": BOOL, "List[str]": STRS, "Dict[str,Any]": MAP}
_MODEL = re.compile(r"main_models\.(\w+)")
_LIST_OF_MODEL = re.compile(r"List\[main_models\.(\w+)\]")
_SAMPLES: dict[str, Any] = {STR: "x", INT: 7, BOOL: True, STRS: ["x"], MAP: {"k": "v"}}


def sdk_class(name: str) -> type[Any]:
    cls = getattr(sdk_models, name)
    assert inspect.isclass(cls), name
    return cls


def _kind(annotation: Any) -> tuple[Any, type[Any] | None, bool]:
    """(kind in the vocabulary of ``callstate.api._shapes``, nested model class, is a list)."""
    assert isinstance(annotation, str), f"unexpected annotation object {annotation!r}"
    text = annotation.replace(" ", "")
    if text in _SCALARS:
        return _SCALARS[text], None, False
    if m := _LIST_OF_MODEL.fullmatch(text):
        nested = sdk_class(m.group(1))
        return [sdk_tree(nested)], nested, True
    if m := _MODEL.fullmatch(text):
        nested = sdk_class(m.group(1))
        return sdk_tree(nested), nested, False
    raise AssertionError(f"annotation the contract test does not know: {annotation!r}")


def _wire_key(cls: type[Any], attribute: str, sample: Any) -> str:
    """The key ``to_map`` writes for ``attribute``: the one that changes when only it is set."""
    baseline = cls().to_map()
    written = cls(**{attribute: sample}).to_map()
    changed = [k for k in written if k not in baseline or baseline[k] != written[k]]
    assert len(changed) == 1, (cls.__name__, attribute, changed)
    return str(changed[0])


_TREES: dict[type[Any], dict[str, Any]] = {}


def sdk_tree(cls: type[Any]) -> dict[str, Any]:
    """The model's keys and their kinds, nested models followed (lists as one-element lists)."""
    if cls in _TREES:
        return _TREES[cls]
    tree: dict[str, Any] = {}
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    assert parameters, f"{cls.__name__} declares no fields"
    for p in parameters:
        kind, nested, is_list = _kind(p.annotation)
        if nested is None:
            sample = copy.deepcopy(_SAMPLES[kind])
        else:
            sample = [nested()] if is_list else nested()
        key = _wire_key(cls, p.name, sample)
        assert key not in tree, (cls.__name__, key)
        tree[key] = kind
    _TREES[cls] = dict(sorted(tree.items()))
    return _TREES[cls]


def sdk_body_model(action: str) -> type[Any]:
    return sdk_class(f"{action}ResponseBody")


def sdk_body_tree(action: str) -> dict[str, Any]:
    return sdk_tree(sdk_body_model(action))


# --- comparing a body with a key tree --------------------------------------------------------


def assert_matches(tree: dict[str, Any], value: dict[str, Any], path: str) -> None:
    """``value`` has exactly ``tree``'s keys at every level, each value of the tree's type."""
    assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
    assert set(value) == set(tree), (
        f"{path}: missing {sorted(set(tree) - set(value))}, extra {sorted(set(value) - set(tree))}"
    )
    for key, kind in tree.items():
        item, where = value[key], f"{path}.{key}"
        if isinstance(kind, dict):
            assert_matches(kind, item, where)
        elif isinstance(kind, list):
            assert isinstance(item, list), f"{where}: expected a list, got {item!r}"
            for i, element in enumerate(item):
                assert_matches(kind[0], element, f"{where}[{i}]")
        elif kind == INT:
            assert isinstance(item, int) and not isinstance(item, bool), f"{where}: {item!r}"
        elif kind == BOOL:
            assert isinstance(item, bool), f"{where}: {item!r}"
        elif kind == STR:
            assert isinstance(item, str), f"{where}: {item!r}"
        elif kind == STRS:
            assert isinstance(item, list), f"{where}: {item!r}"
            assert all(isinstance(s, str) for s in item), f"{where}: {item!r}"
        elif kind == MAP:
            assert isinstance(item, dict), f"{where}: {item!r}"
        else:  # pragma: no cover - a kind this test does not know
            raise AssertionError(f"{where}: unknown kind {kind!r}")


def without_associated_data(body: dict[str, Any]) -> dict[str, Any]:
    """HoldCall's body minus ``AssociatedData`` of every channel (asserting each had one)."""
    stripped = copy.deepcopy(body)
    channels = stripped["Data"]["CallContext"]["ChannelContexts"]
    assert channels, "the HoldCall scenario must list at least one channel"
    for channel in channels:
        assert "AssociatedData" in channel, channel
        assert channel.pop("AssociatedData") == {}
    return stripped


def shape_without_associated_data(shape: dict[str, Any]) -> dict[str, Any]:
    stripped = copy.deepcopy(shape)
    channel = stripped["Data"]["CallContext"]["ChannelContexts"][0]
    assert channel.pop("AssociatedData") == MAP
    return stripped


def struct_lists(tree: dict[str, Any], value: dict[str, Any], path: str) -> list[tuple[str, Any]]:
    """Every list of structs in the body (by path), as the tree declares them."""
    found: list[tuple[str, Any]] = []
    for key, kind in tree.items():
        where = f"{path}.{key}"
        if isinstance(kind, dict):
            found += struct_lists(kind, value[key], where)
        elif isinstance(kind, list):
            found.append((where, value[key]))
            for item in value[key]:
                found += struct_lists(kind[0], item, where)
    return found
