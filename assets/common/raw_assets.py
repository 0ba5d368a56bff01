"""Two assets per raw source: the observed folder, and the list of its files with sizes and content hashes.

``raw_<source>_folder`` is observed (hourly while automation is on): its data version is a hash over every
file's content, so a new version means a file was added, removed or edited. ``raw_<source>_files`` is
materialized from the folder with the same hash as its data version, so everything downstream goes stale
in the UI when the folder's observed version moves on.
"""

import warnings
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.common.fingerprint import MANIFEST_COLUMNS, cheap_fingerprint, list_files, manifest, manifest_version
from assets.common.sources import RAW_SOURCES, RawSource
from resources.raw_data import RawDataResource


@dataclass(frozen=True)
class FolderObservation:
    """What one observation of a raw folder found: the content hash is the folder's data version."""

    content_hash: str
    fingerprint: str
    files: int
    bytes: int
    rehashed: bool


def observe_folder(
    folder: Path,
    suffixes: tuple[str, ...],
    root: Path,
    previous_fingerprint: str | None = None,
    previous_content_hash: str | None = None,
) -> FolderObservation:
    """The content hash of a raw folder (an absent folder counts as empty), reading every file again only when
    the cheap fingerprint (paths, sizes, modification times) differs from the previous observation's: hashing
    gigabytes of audio every hour would cost more than the rest of the observation."""
    if not folder.is_dir():
        files = pd.DataFrame(columns=MANIFEST_COLUMNS)
        return FolderObservation(manifest_version(files), "absent", 0, 0, rehashed=True)
    fingerprint = cheap_fingerprint(folder, suffixes, root)
    if fingerprint == previous_fingerprint and previous_content_hash:
        sizes = [path.stat().st_size for path in list_files(folder, suffixes, root)]
        return FolderObservation(previous_content_hash, fingerprint, len(sizes), sum(sizes), rehashed=False)
    files = manifest(folder, suffixes, root)
    return FolderObservation(manifest_version(files), fingerprint, len(files), int(files["bytes"].sum()), True)


def raw_folder_key(source: RawSource) -> dg.AssetKey:
    return dg.AssetKey(f"raw_{source.folder}_folder")


def latest_observation_metadata(instance: dg.DagsterInstance, key: dg.AssetKey) -> dict[str, str]:
    """The text metadata of the asset's latest observation (empty before the first one)."""
    records = instance.fetch_observations(dg.AssetRecordsFilter(asset_key=key), limit=1).records
    if not records or records[0].asset_observation is None:
        return {}
    metadata = records[0].asset_observation.metadata
    return {name: value.value for name, value in metadata.items() if isinstance(value.value, str)}


def build_raw_folder_asset(source: RawSource) -> dg.AssetsDefinition:
    key = raw_folder_key(source)
    spec = dg.AssetSpec(
        key,
        group_name=source.domain,
        kinds={"file"},
        description=f"The raw folder `{source.folder}/` as Dagster last observed it: {source.description} "
        f"Its data version is the hash of every file's content, so a new version means a file was added, removed "
        f"or edited; automation then rebuilds `{source.asset_name}` and the data that follows it. Observed every "
        f"hour while the automation sensors are on, or by hand with 'Observe sources' in the UI.",
    )

    def raw_folder(context: dg.AssetExecutionContext, raw_data: RawDataResource) -> dg.ObserveResult:
        folder = raw_data.source_dir(source.folder)
        previous = latest_observation_metadata(context.instance, key)
        observed = observe_folder(
            folder, source.suffixes, raw_data.base, previous.get("fingerprint"), previous.get("content_hash")
        )
        return dg.ObserveResult(
            asset_key=key,
            data_version=dg.DataVersion(observed.content_hash),
            metadata={
                "content_hash": observed.content_hash,
                "fingerprint": observed.fingerprint,
                "files": observed.files,
                "bytes": observed.bytes,
                "rehashed": observed.rehashed,
                "folder": dg.MetadataValue.path(str(folder)),
                "sample_data": raw_data.uses_sample,
            },
        )

    with warnings.catch_warnings():
        # The observable asset (rather than the deprecated SourceAsset) is marked beta: keep the code location's
        # load quiet.
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.multi_observable_source_asset(specs=[spec], name=f"observe_raw_{source.folder}_folder")(raw_folder)


def build_raw_files_asset(source: RawSource) -> dg.AssetsDefinition:
    optional_note = " Optional: an absent folder gives an empty list." if not source.required else ""

    @dg.asset(
        name=source.asset_name,
        group_name=source.domain,
        kinds={"file"},
        deps=[raw_folder_key(source)],
        description=f"Raw files of `{source.folder}/`: {source.description} "
        f"One row per file with its size and SHA-256; a symbolic link that leaves the raw root is refused."
        f"{optional_note}",
    )
    def raw_files(context: dg.AssetExecutionContext, raw_data: RawDataResource) -> dg.Output[pd.DataFrame]:
        folder = raw_data.source_dir(source.folder)
        if not folder.is_dir():
            if source.required:
                raise FileNotFoundError(
                    f"raw folder {folder} does not exist; {source.folder}/ should hold {source.description}"
                )
            context.log.info(f"{folder} is absent: {source.folder} is optional, so it is skipped")
            files = (
                manifest(folder, source.suffixes, raw_data.base)
                if folder.exists()
                else pd.DataFrame(columns=MANIFEST_COLUMNS)
            )
        else:
            files = manifest(folder, source.suffixes, raw_data.base)
        if source.required and files.empty:
            raise ValueError(f"raw folder {folder} holds no {', '.join(source.suffixes)} files")
        version = manifest_version(files)
        return dg.Output(
            files,
            data_version=dg.DataVersion(version),
            metadata={
                "dagster/row_count": len(files),
                "files": len(files),
                "bytes": int(files["bytes"].sum()) if len(files) else 0,
                "folder": dg.MetadataValue.path(str(folder)),
                "sample_data": raw_data.uses_sample,
                "content_hash": version,
            },
        )

    return raw_files


RAW_FOLDER_ASSETS: dict[str, dg.AssetsDefinition] = {
    source.folder: build_raw_folder_asset(source) for source in RAW_SOURCES
}
RAW_FILE_ASSETS: dict[str, dg.AssetsDefinition] = {
    source.folder: build_raw_files_asset(source) for source in RAW_SOURCES
}


def raw_assets_for_domain(domain: str) -> list[dg.AssetsDefinition]:
    """A domain's observed raw folders and their file lists."""
    folders = [source.folder for source in RAW_SOURCES if source.domain == domain]
    return [*(RAW_FOLDER_ASSETS[folder] for folder in folders), *(RAW_FILE_ASSETS[folder] for folder in folders)]
