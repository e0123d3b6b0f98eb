"""Generate the Python stubs of the Clearway contracts into services/clearway/v1.

The one way stubs are made: `python scripts/generate_stubs.py` (or `--out DIR` to
generate elsewhere, which the staleness test uses). Imports of google/type,
google/rpc and google/protobuf resolve against the installed
googleapis-common-protos and grpcio-tools packages, so no network is needed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import google.type.money_pb2
import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
PACKAGE_DIR = Path("clearway") / "v1"


def include_paths() -> list[Path]:
    """Proto roots: ours, googleapis-common-protos, and protobuf's well-known types."""
    googleapis_root = Path(google.type.money_pb2.__file__).resolve().parent.parent.parent
    well_known_root = Path(grpc_tools.__file__).resolve().parent / "_proto"
    return [PROTO_ROOT, googleapis_root, well_known_root]


def proto_files() -> list[str]:
    return sorted(
        str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / PACKAGE_DIR).glob("*.proto")
    )


def run_protoc(args: list[str]) -> None:
    includes = [f"-I{path}" for path in include_paths()]
    code = protoc.main(["grpc_tools.protoc", *includes, *args, *proto_files()])
    if code != 0:
        raise SystemExit(f"protoc failed with exit code {code}")


def generate(out_root: Path) -> Path:
    """Write *_pb2.py, *_pb2.pyi and *_pb2_grpc.py under out_root/clearway/v1."""
    target = out_root / PACKAGE_DIR
    with tempfile.TemporaryDirectory() as tmp:
        run_protoc([f"--python_out={tmp}", f"--pyi_out={tmp}", f"--grpc_python_out={tmp}"])
        if target.exists():
            for old in target.glob("*_pb2*.py*"):
                old.unlink()
        target.mkdir(parents=True, exist_ok=True)
        for produced in sorted((Path(tmp) / PACKAGE_DIR).iterdir()):
            shutil.copyfile(produced, target / produced.name)
    (target / "__init__.py").write_text(
        '"""Generated gRPC stubs of the clearway.v1 contracts."""\n'
    )
    return target


def build_image(path: Path) -> Path:
    """Write a FileDescriptorSet with imports and source info, the input `buf lint` reads."""
    run_protoc([f"--descriptor_set_out={path}", "--include_imports", "--include_source_info"])
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "services", help="source root to write into"
    )
    parser.add_argument("--image", type=Path, help="also write a descriptor-set image for buf")
    args = parser.parse_args(argv)
    target = generate(args.out)
    print(f"stubs written to {target}")
    if args.image:
        print(f"image written to {build_image(args.image)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
