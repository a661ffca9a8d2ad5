# Turn each bot/scripts/NAME.lua into "const char script_NAME[]" in OUT.
# Run by the build (add_custom_command), never by hand.
string(REPLACE "|" ";" IN "${IN}")
set(body "/* generated from bot/scripts by cmake/embed_lua.cmake */\n")
string(APPEND body "#include <stddef.h>\n")
foreach(f IN LISTS IN)
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND body "const char script_${name}[] = {${hex}0x00};\n")
  string(APPEND body "const size_t script_${name}_len = sizeof(script_${name}) - 1;\n")
endforeach()
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
