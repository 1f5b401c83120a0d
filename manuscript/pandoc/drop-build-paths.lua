-- drop-build-paths.lua: remove build-machine file paths from the document metadata.
--
-- Why: render.py passes --bibliography/--csl as absolute paths; after citeproc has
-- used them they are only metadata, and pandoc's DOCX writer copies every metadata
-- field into docProps/custom.xml. The output would then depend on where the repo is
-- checked out. Run this after `citeproc`.

function Meta(meta)
  meta.bibliography = nil
  meta.csl = nil
  meta['citation-abbreviations'] = nil
  return meta
end
