-- typst-anchors.lua: make pandoc's typst output compile and link (typst only).
--
-- 1. Anchors. Pandoc writes a span with an id, `[sc-x]{#num-x}`, as a typst
--    label glued to the preceding content, `sc-x<num-x>`. For an EMPTY span
--    (`[]{#num-x}`, as in an appendix table cell) there is no preceding content,
--    the label attaches to nothing and every `#link(<num-x>)` fails with
--    "label `<num-x>` does not exist in the document". We therefore emit an
--    invisible, locatable element carrying the label, `#metadata(none)<num-x>`,
--    in front of the span's content. Links to it resolve to that position.
--    Provenance ids are [a-z0-9-] (what the manuscript templates produce); any
--    span id must at least be valid typst label syntax (letters, digits, - _ . :)
--    so that it can be written as `<id>`.
--
-- 2. Image paths. Typst resolves `image("figures/f.svg")` relative to the .typ
--    file, not to pandoc's --resource-path. We look each image up in the
--    resource path (like pandoc does) and rewrite it to a path relative to the
--    typst project root, written `/figures/f.svg` (a leading slash means "from
--    the root" in typst). The root is passed by render.py as metadata
--    `typst-root` and removed from the metadata again.
--
-- 3. Numbers. A provenance link `[36.7 pg/mL](#num-x){.num}` is put in a
--    `#box[...]` so typst never breaks a line inside it (it would after "pg/").
--
-- 4. Document date. Pandoc's typst template shows `date` but never sets the PDF
--    metadata date, so typst would fall back to the compile timestamp. For an
--    ISO `date` (YYYY-MM-DD) we add `#set document(date: datetime(...))` to
--    header-includes.

local root = nil

local function exists(path)
  local f = io.open(path, 'rb')
  if f then f:close() return true end
  return false
end

local function read_meta(meta)
  if meta['typst-root'] == nil then
    error('typst-anchors.lua: metadata typst-root is not set (render.py sets it)')
  end
  root = pandoc.utils.stringify(meta['typst-root'])
  meta['typst-root'] = nil

  -- Typst set/show rules for the whole document. They go through header-includes here
  -- because a defaults-file include-in-header would replace these metadata includes.
  local rules = {
    -- Tables longer than a page break across pages instead of overflowing the bottom.
    '#show figure: set block(breakable: true)',
    '#show table: set text(size: 7.5pt)',
    -- Captions carry their own "Figure N." / "Table N." labels (numbered by the build in
    -- the order the text places them), so typst must not add a second number.
    '#set figure(numbering: none)',
  }
  if meta.date ~= nil then
    local y, m, d = pandoc.utils.stringify(meta.date):match('^(%d%d%d%d)%-(%d%d)%-(%d%d)$')
    if y then
      table.insert(rules, string.format(
        '#set document(date: datetime(year: %d, month: %d, day: %d))',
        tonumber(y), tonumber(m), tonumber(d)))
    end
  end
  local hi = meta['header-includes']
  if hi == nil then
    hi = pandoc.MetaList({})
  elseif pandoc.utils.type(hi) ~= 'List' then
    hi = pandoc.MetaList({hi})
  end
  for _, line in ipairs(rules) do
    hi:insert(pandoc.MetaBlocks({pandoc.RawBlock('typst', line)}))
  end
  meta['header-includes'] = hi
  return meta
end

local function span(el)
  if el.identifier == '' then return nil end
  local id = el.identifier
  if not id:match('^[%w_%-%.:]+$') then
    error('typst-anchors.lua: span id is not a valid typst label: ' .. id)
  end
  el.identifier = ''
  local out = pandoc.List({pandoc.RawInline('typst', '#metadata(none)<' .. id .. '>')})
  out:extend(el.content)
  return out
end

local function image(img)
  local src = img.src
  if src:match('^/') or src:match('^data:') then return nil end
  for _, dir in ipairs(PANDOC_STATE.resource_path) do
    local abs = pandoc.path.normalize(pandoc.path.join({dir, src}))
    if exists(abs) then
      local rel = pandoc.path.make_relative(abs, root)
      if rel:match('^%.%.') or pandoc.path.is_absolute(rel) then
        error('typst-anchors.lua: image ' .. src .. ' is outside the typst root ' .. root)
      end
      img.src = '/' .. rel
      return img
    end
  end
  error('typst-anchors.lua: image not found in the resource path: ' .. src)
end

local function link(el)
  if el.classes:includes('num') then
    return {pandoc.RawInline('typst', '#box['), el, pandoc.RawInline('typst', ']')}
  end
end

return {
  {Meta = read_meta},
  {Span = span, Image = image, Link = link},
}
