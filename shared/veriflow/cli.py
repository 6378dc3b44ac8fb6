"""`veriflow` command line: migrate the database, run the local cloud, fire a schedule, verify a proof,
deploy the anchor contract."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from veriflow.core.settings import SettingsError, exit_on_bad_settings

DEFAULT_TEMPLATE = Path("template.yaml")


def _migrate(args: argparse.Namespace) -> int:
    from veriflow.core.db import database_url
    from veriflow.core.migrations import current_revision, upgrade

    settings = exit_on_bad_settings()
    url = database_url(settings)
    upgrade(url, args.revision)
    print(f"database at revision {current_revision(url)}")
    return 0


def _dev(args: argparse.Namespace) -> int:
    from veriflow.local.dev import run_dev

    exit_on_bad_settings()
    return run_dev(template=args.template, host=args.host, port=args.port, moto_port=args.moto_port)


def _fire(args: argparse.Namespace) -> int:
    from veriflow.local.dev import fire_remote, running_api_url
    from veriflow.local.errors import LocalCloudError

    try:
        print(fire_remote(args.url or running_api_url(), args.name))
    except LocalCloudError as exc:
        sys.stderr.write(f"veriflow: {exc}\n")
        return 1
    return 0


def _seed_superadmin(args: argparse.Namespace) -> int:
    from veriflow.core.db import session_scope
    from veriflow.core.errors import AppError
    from veriflow.users.service import seed_superadmin

    exit_on_bad_settings()
    password = os.environ.get("VERIFLOW_SUPERADMIN_PASSWORD") or getpass.getpass("Password (12+ characters): ")
    try:
        with session_scope() as session:
            user = seed_superadmin(session, args.email, password)
            print(f"superadmin {user.email} ({user.id})")
    except AppError as exc:
        sys.stderr.write(f"veriflow: {exc.message} {exc.details or ''}\n")
        return 1
    return 0


def _rotate_keys(args: argparse.Namespace) -> int:
    from veriflow.identity.keys import rotate_signing_key

    exit_on_bad_settings()
    keyset = rotate_signing_key()
    print(f"signing key {keyset.active.kid} is active; {len(keyset.keys)} key(s) live")
    return 0


def _verify_proof(args: argparse.Namespace) -> int:
    """Exit 0 when every step is valid, 1 when one is invalid, 2 when one is pending or unavailable."""
    from pydantic import ValidationError

    from veriflow.chain.proof import ProofDocument, check_proof
    from veriflow.chain.reader import ChainReader, HttpTransport

    url = args.rpc or os.environ.get("CHAIN_RPC_URL")
    if not url or not url.startswith(("http://", "https://")):
        sys.stderr.write("veriflow: give the node's http(s) URL with --rpc (or CHAIN_RPC_URL)\n")
        return 2
    try:
        doc = ProofDocument.model_validate_json(args.proof.read_bytes())
    except (OSError, ValidationError) as exc:
        sys.stderr.write(f"veriflow: {args.proof} is not a proof document: {str(exc).splitlines()[0]}\n")
        return 1
    check = check_proof(doc, ChainReader(HttpTransport(url, args.timeout)))
    for step in check.steps:
        print(f"{step.name:<18} {step.status:<12} {step.detail}")
    print(f"proof: {check.status}")
    return {"valid": 0, "invalid": 1}.get(check.status, 2)


def _deploy_anchor_contract(args: argparse.Namespace) -> int:
    """Once per chain: deploy the anchor contract from the signer the environment names (the KMS
    key of the stage: CHAIN_SIGNER_KMS_KEY_ID) to CHAIN_RPC_URL's chain; prints its address."""
    from web3 import Web3

    from veriflow.chain.anchoring import deploy_anchor_contract
    from veriflow.chain.reader import ChainUnavailable
    from veriflow.chain.settings import get_chain_settings
    from veriflow.chain.signer import signer_from_env

    settings = get_chain_settings()
    if not settings.chain_rpc_url:
        sys.stderr.write("veriflow: set CHAIN_RPC_URL to the node of the chain to deploy on\n")
        return 2
    w3 = Web3(Web3.HTTPProvider(settings.chain_rpc_url, request_kwargs={"timeout": settings.chain_rpc_timeout_s}))
    try:
        signer = signer_from_env()
        address = deploy_anchor_contract(w3, signer, settings.chain_id or int(w3.eth.chain_id), args.timeout)
    except (ChainUnavailable, OSError) as exc:
        sys.stderr.write(f"veriflow: {exc}\n")
        return 1
    print(f"anchor contract deployed at {address} by {signer.address}: set AnchorContractAddress={address}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="veriflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(run=_migrate)

    dev = commands.add_parser("dev", help="run the local cloud and the HTTP API on 127.0.0.1")
    dev.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    dev.add_argument("--moto-port", type=int, default=0, help="port of the local AWS endpoint (0: any free one)")
    dev.set_defaults(run=_dev)

    fire = commands.add_parser("fire", help="fire a schedule of the running local cloud now")
    fire.add_argument("name", help="logical id of the schedule rule or of its function")
    fire.add_argument("--url", help="the running local cloud (default: the one `veriflow dev` started here)")
    fire.set_defaults(run=_fire)

    seed = commands.add_parser("seed-superadmin", help="create the first superadmin (idempotent)")
    seed.add_argument("--email", required=True)
    seed.set_defaults(run=_seed_superadmin)

    rotate = commands.add_parser("rotate-signing-key", help="make a new access-token signing key active")
    rotate.set_defaults(run=_rotate_keys)

    verify = commands.add_parser("verify-proof", help="check a certificate's proof JSON against a chain node")
    verify.add_argument("proof", type=Path, help="the proof document (JSON)")
    verify.add_argument("--rpc", help="the node's JSON-RPC URL (default: CHAIN_RPC_URL)")
    verify.add_argument("--timeout", type=float, default=4.0, help="seconds per RPC call")
    verify.set_defaults(run=_verify_proof)

    deploy = commands.add_parser("deploy-anchor-contract",
                                 help="deploy the certificate anchor contract once per chain (CHAIN_RPC_URL)")
    deploy.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the deployment to be mined")
    deploy.set_defaults(run=_deploy_anchor_contract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except SettingsError as exc:
        sys.stderr.write(f"veriflow: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
