"""Structural check of MATLAB v5 files before :func:`scipy.io.loadmat` reads them.

scipy (1.17) looks each data element's type code up in a C array without checking it
(``VarReader5.read_numeric`` and ``read_char``): a corrupt code, as a bit flip or a bad
download leaves, crashes the interpreter with a segmentation fault instead of raising.
:func:`check_mat5` walks the elements of the variables to be read and raises a ValueError
for any type code or size scipy cannot handle, so :func:`scipy.io.loadmat` only sees files
it reads or refuses with an exception.

Still needed (issue 18 asked to drop it otherwise): re-checked with scipy 1.17.1, a
two-by-three double saved by ``savemat`` whose data-element type code is replaced by 0, 8,
10, 11, 19, 200 or 100000 ends ``loadmat`` in a subprocess with SIGSEGV (exit code -11).
"""

from __future__ import annotations

import struct
import zlib

MI_INT32, MI_UINT32, MI_MATRIX, MI_COMPRESSED = 5, 6, 14, 15
#: Type codes in scipy's table of numeric element dtypes (miINT8 ... miUINT64, miUTF8/16/32).
NUMERIC_TYPES = frozenset({1, 2, 3, 4, 5, 6, 7, 9, 12, 13, 16, 17, 18})
CELL, STRUCT, OBJECT, CHAR, SPARSE, FUNCTION, OPAQUE = 1, 2, 3, 4, 5, 16, 17
NUMERIC_CLASSES = range(6, 16)  # mxDOUBLE_CLASS ... mxUINT64_CLASS
HEADER_BYTES = 128
#: Decompressed bytes read to find a compressed variable's name (tag, flags, dims, name).
NAME_BYTES = 1024


def _elements(buf, order: str, *, top: bool = False, partial: bool = False):
    """Yield ``(type code, body)`` of each data element of ``buf``, checking their sizes.

    ``top``: file-level elements, which scipy reads with full tags and no padding.
    ``partial``: ``buf`` is the start of a longer element: stop, without an error, at the
    first element that runs past its end.
    """
    pos = 0
    while pos < len(buf):
        if len(buf) - pos < 8:
            if partial:
                return
            raise ValueError(f"a data element's tag at byte {pos} is cut off")
        mdtype, nbytes = struct.unpack_from(order + "II", buf, pos)
        if mdtype >> 16 and not top:  # small element: code and size in 4 bytes, then data
            if mdtype >> 16 > 4:
                raise ValueError(f"a small data element at byte {pos} claims {mdtype >> 16} bytes")
            yield mdtype & 0xFFFF, buf[pos + 4 : pos + 4 + (mdtype >> 16)]
            pos += 8
            continue
        if nbytes > len(buf) - pos - 8:
            if partial:
                return
            raise ValueError(
                f"the data element at byte {pos} claims {nbytes} bytes but only "
                f"{len(buf) - pos - 8} follow"
            )
        yield mdtype, buf[pos + 8 : pos + 8 + nbytes]
        pos += 8 + nbytes + (0 if top else -nbytes % 8)


def _int32s(body, order: str) -> list[int]:
    return list(struct.unpack_from(f"{order}{len(body) // 4}i", body))


def _n_nested(mclass: int, items: list, order: str) -> int:
    """How many nested matrices scipy reads for a cell, struct or object array."""
    if mclass in (FUNCTION, OPAQUE):
        return 1
    size = 1
    for dim in _int32s(items[1][1], order):
        size *= max(dim, 0)
    if mclass == CELL:
        return size
    fields = items[4 if mclass == OBJECT else 3 :]
    if len(fields) < 2 or len(fields[0][1]) != 4:
        raise ValueError("a struct's field names are missing")
    name_length = _int32s(fields[0][1], order)[0]
    return size * (len(fields[1][1]) // name_length if name_length > 0 else 0)


def _check_matrix(body, order: str, name: str) -> None:
    """Check the sub-elements of one miMATRIX element (recursively for cells and structs).

    scipy reads the sub-elements one after the other without looking at the matrix's
    declared size, so they must fill it exactly for scipy to read what is checked here.
    """
    items = list(_elements(body, order))
    if len(items) < 2 or items[0][0] != MI_UINT32 or len(items[0][1]) != 8:
        raise ValueError(f"variable {name!r} has no array flags")
    flags = struct.unpack_from(order + "I", items[0][1])[0]
    mclass, is_complex = flags & 0xFF, flags >> 11 & 1
    dims_code, dims = items[1]
    if mclass != OPAQUE and (dims_code not in (MI_INT32, MI_UINT32) or len(dims) < 8):
        raise ValueError(f"variable {name!r} has fewer than 2 dimensions")  # crashes read_char
    rest = items[4:] if mclass == OPAQUE else items[3:]
    if mclass in NUMERIC_CLASSES or mclass in (CHAR, SPARSE):
        needed = (3 if mclass == SPARSE else 1) + is_complex
        codes = [code for code, _ in rest]
        if len(codes) != needed or not NUMERIC_TYPES.issuperset(codes):
            raise ValueError(
                f"variable {name!r} has data elements of type codes {codes}; {needed} "
                f"element(s) of the codes {sorted(NUMERIC_TYPES)} are expected"
            )
        return
    if mclass not in (CELL, STRUCT, OBJECT, FUNCTION, OPAQUE):
        raise ValueError(f"variable {name!r} has the unknown array class {mclass}")
    nested = rest[{STRUCT: 2, OBJECT: 3}.get(mclass, 0) :]
    if len(nested) != _n_nested(mclass, items, order):
        raise ValueError(f"variable {name!r} holds a number of elements its dimensions do not give")
    for code, sub in nested:
        if code != MI_MATRIX:
            raise ValueError(f"variable {name!r} holds an element of type code {code}")
        if len(sub):
            _check_matrix(sub, order, name)


def _name(body, order: str) -> str | None:
    """The name scipy gives a variable, from (the start of) its miMATRIX body; None if cut.

    The name is the third sub-element; scipy calls opaque objects ``'None'`` and the
    unnamed function workspace ``'__function_workspace__'``.
    """
    items = _elements(body, order, partial=True)
    flags = next(items, (0, b""))[1]
    if len(flags) < 8:
        return None
    if struct.unpack_from(order + "I", flags)[0] & 0xFF == OPAQUE:
        return "None"
    next(items, None)
    name = next(items, None)
    if name is None:
        return None
    return bytes(name[1]).decode("latin1") or "__function_workspace__"


def _decompress(body, order: str, names, where: str):
    """``(name, miMATRIX body)`` of a compressed variable; the body is None unless in names.

    Only the first :data:`NAME_BYTES` are decompressed for a variable not in ``names``.
    """
    try:
        head = zlib.decompressobj().decompress(body, NAME_BYTES)
        if bytes(head[:4]) != struct.pack(order + "I", MI_MATRIX):
            raise ValueError(f"{where} does not decompress to an miMATRIX element")
        name = _name(head[8:], order)
        if name is not None and name not in names:
            return name, None
        inner = list(_elements(zlib.decompress(body), order, top=True))
    except zlib.error as exc:
        raise ValueError(f"{where} does not decompress: {exc}") from exc
    if len(inner) != 1:
        raise ValueError(f"{where} decompresses to {len(inner)} elements, not one")
    return _name(inner[0][1], order), inner[0][1]


def check_mat5(content: bytes, names) -> list[str] | None:
    """Check the variables ``names`` of a MAT v5 file's bytes; return every variable's name.

    Only the variables in ``names`` are checked (and decompressed in full): read them
    with ``loadmat(..., variable_names=names)``, which skips the others. Files that are
    not MAT v5 (v4, v7.3 / HDF5, or not MATLAB at all) are left to scipy, which reads or
    refuses them without crashing: ``None`` is returned.

    Raises
    ------
    ValueError
        If an element is cut off, does not decompress, or has a type code, array class or
        size that scipy cannot read.
    """
    if len(content) < HEADER_BYTES or 0 in content[:4]:
        return None
    if content[124 + (content[126] == ord("I"))] != 1:  # scipy's test for version 5
        return None
    order = "<" if content[126:128] == b"IM" else ">"  # scipy's guess_byte_order
    found, pos = [], HEADER_BYTES
    for code, body in _elements(memoryview(content)[HEADER_BYTES:], order, top=True):
        where, pos = f"the element at byte {pos}", pos + 8 + len(body)
        if code == MI_COMPRESSED:
            name, body = _decompress(body, order, names, where)
        elif code == MI_MATRIX:
            name = _name(body, order)
        else:
            raise ValueError(f"{where} has type code {code}, not miMATRIX ({MI_MATRIX})")
        if name is None:
            raise ValueError(f"{where} is cut off before its variable name")
        found.append(name)
        if name in names and body is not None and len(body):
            _check_matrix(body, order, name)
    return found
