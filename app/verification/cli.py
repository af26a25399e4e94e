"""`flask seal verify FILE` and `flask seal certificate --trust SLUG`."""

from __future__ import annotations

from pathlib import Path

import click
from asn1crypto import pem
from flask.cli import AppGroup
from sqlalchemy import select

from ..documents.seal_cli import renew_timestamps_command
from ..extensions import db
from ..trusts.models import Trust
from ..trusts.seal_keys import existing_seal_key, seal_key_for
from .check import Finding, check_sealed_record

seal_cli = AppGroup("seal", help="Check sealed records, show the trusts' seal certificates, renew timestamps.")
seal_cli.add_command(renew_timestamps_command, "renew-timestamps")


@seal_cli.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def seal_verify(ctx: click.Context, file: Path) -> None:
    """Check FILE as the /verify page does; exit 0 only for an intact record this service sealed."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        click.echo(f"Cannot read {file}: {exc.strerror or exc}.", err=True)
        ctx.exit(1)
    finding = check_sealed_record(data, actor="command line")
    click.echo(describe(finding))
    ctx.exit(0 if finding.confirmed else 1)


def describe(finding: Finding) -> str:
    """Return the finding as plain lines for a terminal."""
    report = finding.report
    lines = [f"{finding.headline}."]
    if report.sealed:
        sealed_at = report.timestamp_time or report.signing_time
        when = sealed_at.strftime("%d %B %Y, %H:%M:%S UTC") if sealed_at else "unknown"
        lines += [
            f"Seal intact: {'yes' if report.intact else 'no, the sealed content has been altered'}",
            f"Covers the whole file: {'yes' if report.covers_whole_file else 'no, content was added after sealing'}",
            f"Sealed by: {report.signer_subject or 'unknown'}",
            f"Trust seal: {finding.trust_name or 'no, not the seal of a trust using this service'}",
            f"Sealed at: {when}{' (independent timestamp)' if report.timestamp_time else ''}",
        ]
        if report.timestamp_recognised is False:
            lines.append("Timestamp: from an authority this service does not recognise; the time is only as stated")
        elif report.timestamp_recognised:
            lines.append("Timestamp: from a recognised timestamp authority (it chains to a root this service trusts)")
        lines.append("Long-term proof: " + (
            f"yes, PAdES {report.pades_level}: the certificates' revocation data and a document timestamp are in the file"
            if report.long_term_validation else f"no, PAdES {report.pades_level or 'level unknown'}"))
        record = finding.record
        if not record.attached:
            lines.append("Agreed document attached: no, the file does not carry the document that was agreed")
        else:
            lines.append("Agreed document attached: " + (
                f"yes, its SHA-256 {record.attached_sha256} matches the evidence page" if record.matches_evidence
                else "yes, but its SHA-256 is not the one on the evidence page"))
            lines.append("Agreed pages: " + (
                "unchanged, only the agreement stamps added" if record.pages_unchanged
                else "changed, the sealed pages are not the agreed document's pages"))
    lines += [
        f"Issued by this service: {'yes, identical to the sealed record we issued' if finding.issued else 'no, no record we issued has exactly this content'}",
        f"SHA-256: {report.file_sha256}",
    ]
    lines += [f"- {problem}" for problem in report.problems + finding.record.problems]
    return "\n".join(lines)


@seal_cli.command("certificate")
@click.option("--trust", "slug", required=True, help="The trust's slug.")
@click.option("--create", is_flag=True, help="Make the trust's self-signed seal if it has none yet.")
def seal_certificate(slug: str, create: bool) -> None:
    """Print the trust's seal certificate as PEM (to give to whoever checks its records)."""
    trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
    if trust is None:
        raise click.ClickException(f"no trust {slug!r} is installed")
    key = seal_key_for(trust) if create else existing_seal_key(trust)
    if key is None:
        raise click.ClickException(
            f"{trust.name} has no seal key yet (one is made when its first record is sealed); "
            "pass --create to make it now"
        )
    click.echo(pem.armor("CERTIFICATE", key.certificate.dump()).decode("ascii"), nl=False)
