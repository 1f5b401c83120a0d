-- svg-to-png.lua: use the PNG twin of every SVG figure (DOCX only).
--
-- Why: pandoc can only put an SVG into a DOCX if `rsvg-convert` is installed to
-- make the PNG fallback Word needs; we do not depend on it. The figure rules
-- write both fig.svg and fig.png, so for DOCX we swap `x.svg` -> `x.png`.
-- A missing PNG is an error here (pandoc would otherwise only warn and drop
-- the figure, leaving its caption as plain text).

local function exists(path)
  local f = io.open(path, 'rb')
  if f then f:close() return true end
  return false
end

-- Look the file up the way pandoc does: relative to each --resource-path entry.
local function find(src)
  if pandoc.path.is_absolute(src) then
    return exists(src)
  end
  for _, dir in ipairs(PANDOC_STATE.resource_path) do
    if exists(pandoc.path.join({dir, src})) then return true end
  end
  return false
end

function Image(img)
  if img.src:lower():match('%.svg$') then
    local png = img.src:sub(1, -5) .. '.png'
    if not find(png) then
      error('svg-to-png.lua: no PNG twin for ' .. img.src .. ' (looked for ' .. png ..
            ' in the resource path)')
    end
    img.src = png
    return img
  end
end
