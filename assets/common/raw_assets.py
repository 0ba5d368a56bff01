"""One asset per raw source: the list of its files with sizes and content hashes.

Its data version is a hash over every file's content, so everything downstream goes stale in the
UI when a raw file is added, removed or edited.
"""

import dagster as dg
import pandas as pd

from assets.common.fingerprint import manifest, manifest_version
from assets.common.sources import RAW_SOURCES, RawSource
from resources.raw_data import RawDataResource


def build_raw_files_asset(source: RawSource) -> dg.AssetsDefinition:
    optional_note = " Optional: an absent folder gives an empty list." if not source.required else ""

    @dg.asset(
        name=source.asset_name,
        group_name=source.domain,
        kinds={"file"},
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
                else pd.DataFrame(columns=["relative_path", "path", "bytes", "sha256"])
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


RAW_FILE_ASSETS: dict[str, dg.AssetsDefinition] = {
    source.folder: build_raw_files_asset(source) for source in RAW_SOURCES
}


def raw_assets_for_domain(domain: str) -> list[dg.AssetsDefinition]:
    return [RAW_FILE_ASSETS[source.folder] for source in RAW_SOURCES if source.domain == domain]
