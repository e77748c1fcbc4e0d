"""The photos that come with a resident's message: fetched from the provider, cleaned and kept, or marked missing.

A photo that cannot be had (the provider answers 404, its host is not a media host, it is too big or too
slow, it is not an image, it is a decompression bomb) never loses the report: it is kept as a line saying
why (`Attachment.missing`, shown to agents on the case) and the message is handled as if it came without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlmodel import Session

from channels.base import ChannelError, Media
from gateway.runtime import Runtime
from store import attachments, files
from store import inbound as inbound_store
from store.models import ReceivedMessage

log = logging.getLogger(__name__)

# Why a photo is missing, as agents read it (channels' MediaUnavailable and files.NotAPhoto reasons).
MISSING_REASONS = {
    "foreign_host": "adresse hors des serveurs de photos du fournisseur",
    "not_found": "introuvable chez le fournisseur",
    "too_big": "trop lourde",
    "timeout": "trop lente à télécharger",
    "unreachable": "fournisseur injoignable",
    "format": "ce n'est pas une image JPEG, PNG, WebP ou GIF",
    "too_many_pixels": "image démesurée (bombe de décompression)",
    "broken": "image illisible ou tronquée",
}


@dataclass
class KeptPhotos:
    """What a message's photos gave: attachment rows (kept or missing) and the first place their GPS tags say."""

    attachment_ids: list[int] = field(default_factory=list)
    point: tuple[float, float] | None = None


def keep_photos(rt: Runtime, session: Session, inbound: ReceivedMessage, channel: str) -> KeptPhotos:
    """Fetch (when only its address came), clean and keep each photo of `inbound`; none is ever fatal."""
    kept = KeptPhotos()
    adapter = rt.channels.get(channel)
    for entry in inbound_store.media_of(inbound):
        path, content_type, point, missing = entry.path, entry.content_type, entry.point, entry.missing
        if path is None and missing is None:
            try:
                if not entry.url or adapter is None:
                    raise files.NotAPhoto("broken")
                fetched = adapter.fetch_media(Media(content_type=entry.content_type, url=entry.url))
                photo = files.keep_photo(rt.settings.media_dir, fetched.data or b"", prefix="inbound")
                path, content_type, point = str(photo.path), photo.content_type, photo.point
            except ChannelError as err:
                missing = getattr(err, "reason", "unreachable")
            except files.NotAPhoto as err:
                missing = err.reason
        if missing is not None or path is None:
            missing = missing or "broken"
            log.warning("photo missing", extra={"channel": channel, "inbound": inbound.id, "reason": missing})
            kept.attachment_ids.append(attachments.keep(session, inbound_id=inbound.id, path="",
                                                        content_type=entry.content_type, missing=missing))
            continue
        if point and kept.point is None:
            kept.point = point
        kept.attachment_ids.append(attachments.keep(session, inbound_id=inbound.id, path=path,
                                                    content_type=content_type, point=point))
    return kept
