"""YAML files a user writes (bank configs, instance lists), read with bounds: UTF-8 or one clear
line, and no alias bomb (anchors re-used until the expanded document is astronomically large).

PyYAML's safe loader keeps an alias as a shared reference, so loading a bomb is quick; what
comes after (OmegaConf's config nodes, MLflow's flattened params, a copy) expands it and runs
for minutes or runs out of memory. The document's node graph is measured first, each alias
counted at its full size, and refused past `MAX_NODES`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser, where PyYAML has it: ~10x faster
MAX_NODES = 5_000_000  # a bank of 10^5 instances of a few parameters each is ~10^6


class YamlFileError(ValueError):
    """A YAML file that cannot be read safely; the message names it and says why, in one line."""


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlFileError(f"{path} is not UTF-8 text (byte {exc.start} is {exc.object[exc.start:exc.start + 1]!r}):"
                            " save it as UTF-8") from None
    except OSError as exc:
        raise YamlFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = expanded_size(node)
        if size > MAX_NODES:
            raise YamlFileError(f"{path} expands to more than {MAX_NODES:,} YAML nodes once its aliases (*name) are "
                                "expanded: refused (an alias bomb?)")
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{path} is not valid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise YamlFileError(f"{path} is nested too deeply") from None
    finally:
        loader.dispose()


def expanded_size(root: yaml.Node) -> int:
    """Nodes in the document with every alias expanded, in time linear in the distinct nodes;
    stops counting past MAX_NODES (so a recursive alias ends too)."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()  # the path from the root to the node being expanded
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        children = ([item for pair in node.value for item in pair] if isinstance(node, yaml.MappingNode)
                    else list(node.value) if isinstance(node, yaml.SequenceNode) else [])
        if children_done:
            visiting.discard(id(node))
            sizes[id(node)] = min(MAX_NODES + 1, 1 + sum(sizes[id(child)] for child in children))
        elif id(node) in visiting:
            return MAX_NODES + 1  # an alias inside its own anchor: infinite once expanded
        elif id(node) not in sizes:
            visiting.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children)
    return sizes[id(root)]
