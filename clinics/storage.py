from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Uploaded reports: files on disk with no URL. They are served only by views behind the gate."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files have no URL; serve them through a gated view.")
